import Foundation

/// Times as the office reads them: in Asia/Shanghai with the weekday, and for an event
/// held in another zone, also in that zone.
struct ConsoleTime: Sendable {
    /// The office's zone.
    static let officeZone = "Asia/Shanghai"

    let language: ConsoleLanguage

    /// `2024-03-02 09:00 Sat` (or `周六`) in `zone`.
    func format(_ date: Date, zone: String = officeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: language == .chinese ? "zh_Hans_CN" : "en_GB")
        formatter.timeZone = TimeZone(identifier: zone) ?? TimeZone(identifier: Self.officeZone)
        formatter.dateFormat = "yyyy-MM-dd HH:mm EEE"
        return formatter.string(from: date)
    }

    /// Unix milliseconds in the office's zone; `nil` gives the empty string.
    func format(milliseconds: UInt64?) -> String {
        guard let milliseconds, milliseconds > 0 else { return "" }
        return format(Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    /// An event's start in the office's zone, and in its own zone when that differs.
    func eventStart(utc: String, zone: String) -> (office: String, local: String?) {
        guard let date = Self.parse(utc) else { return (utc, nil) }
        return (format(date), zone == Self.officeZone ? nil : "\(format(date, zone: zone)) (\(zone))")
    }

    /// An ISO 8601 time, with or without seconds and fractions.
    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [
            [.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds],
        ] {
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        let minutes = DateFormatter()
        minutes.locale = Locale(identifier: "en_US_POSIX")
        minutes.timeZone = TimeZone(identifier: "UTC")
        minutes.dateFormat = "yyyy-MM-dd'T'HH:mm'Z'"
        return minutes.date(from: text)
    }
}
