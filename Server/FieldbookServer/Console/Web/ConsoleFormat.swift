/// How the console writes numbers and attendance marks.
enum ConsoleFormat {
    /// `87%`, or `–` before any counted mark.
    static func percent(_ rate: Double?) -> String {
        guard let rate else { return "–" }
        return "\(Int((rate * 100).rounded()))%"
    }

    /// A laptop's clock against the server's: `+3 s`, `−2 h` (blank within a second).
    static func clockOffset(_ milliseconds: Int64) -> String {
        let magnitude = milliseconds.magnitude / 1000
        guard magnitude > 0 else { return "" }
        let sign = milliseconds > 0 ? "+" : "−"
        return switch magnitude {
        case ..<120: "\(sign)\(magnitude) s"
        case ..<7200: "\(sign)\(magnitude / 60) min"
        case ..<172_800: "\(sign)\(magnitude / 3600) h"
        default: "\(sign)\(magnitude / 86_400) d"
        }
    }

    /// A grid cell: a letter (so it reads in black and white) and a colour class.
    static func statusCell(_ status: String?, language: ConsoleLanguage = .english) -> [String: Any] {
        let (letter, style): (String, String) =
            switch status {
            case "present": ("P", "P")
            case "late": ("L", "L")
            case "absent": ("A", "A")
            case "excused": ("E", "E")
            default: ("–", "U")
            }
        return ["l": letter, "c": style, "status": statusName(status, language: language)]
    }

    /// The status in words.
    static func statusName(_ status: String?, language: ConsoleLanguage) -> String {
        guard language == .chinese else { return status ?? "unmarked" }
        return switch status {
        case "present": "出席"
        case "late": "迟到"
        case "absent": "缺席"
        case "excused": "请假"
        default: "未记录"
        }
    }
}
