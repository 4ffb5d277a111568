import Foundation

/// One answer in an interactive roll call, as typed: a letter (or the word), and for a
/// mark an optional remark after it — `p`, `late`, `e school inspection`, `s`, `q`.
public enum RollCallAnswer: Hashable, Sendable {
    /// Mark the participant with this status (and remark, if one followed).
    case mark(AttendanceStatus, remark: String?)
    /// Leave the participant as they are, and go on.
    case skip
    /// Stop; every answer given so far is kept.
    case quit

    /// What to type, for the prompt's help line.
    public static let help =
        "p present, l late, a absent, e excused (a remark may follow: \"e school inspection\"), s skip, q quit"

    /// Reads a typed line.
    ///
    /// - Returns: the answer, or `nil` for a line that is none (empty, or an unknown word).
    public init?(_ line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let word = trimmed.split(separator: " ", maxSplits: 1).first?.lowercased() else { return nil }
        let rest = trimmed.dropFirst(word.count).trimmingCharacters(in: .whitespaces)
        let remark = rest.isEmpty ? nil : rest
        switch word {
        case "p", "present": self = .mark(.present, remark: remark)
        case "l", "late": self = .mark(.late, remark: remark)
        case "a", "absent": self = .mark(.absent, remark: remark)
        case "e", "excused": self = .mark(.excused, remark: remark)
        case "s", "skip":
            guard remark == nil else { return nil }
            self = .skip
        case "q", "quit":
            guard remark == nil else { return nil }
            self = .quit
        default: return nil
        }
    }
}
