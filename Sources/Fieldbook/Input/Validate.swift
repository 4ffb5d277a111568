import FieldbookCore
import Foundation

/// Checks of user input. Each failure is a one-line `invalidInput` error naming the
/// field, the bad value and the expected form.
public enum Validate {
    /// A required free-text field: trimmed, non-empty, at most `limit` characters.
    public static func text(_ value: String, field: String, limit: Int = 200) throws -> String {
        let trimmed = value.trimmed
        guard !trimmed.isEmpty else { throw FieldbookError(.invalidInput, "\(field) must not be empty") }
        guard trimmed.count <= limit else {
            throw FieldbookError(.invalidInput, "\(field) is \(trimmed.count) characters; at most \(limit) allowed")
        }
        return trimmed
    }

    /// An optional free-text field: empty means absent.
    public static func optionalText(_ value: String?, field: String, limit: Int = 200) throws -> String? {
        guard let value, !value.isBlank else { return nil }
        return try text(value, field: field, limit: limit)
    }

    /// A Teacher Reference Number: exactly seven digits.
    public static func trn(_ value: String?) throws -> String? {
        guard let value = try optionalText(value, field: "TRN") else { return nil }
        guard value.count == 7, value.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw FieldbookError(
                .invalidInput, "TRN '\(value)' must be exactly 7 digits (the Teacher Reference Number)")
        }
        return value
    }

    /// An email address: one `@` with text on both sides, a dot in the domain, no spaces.
    public static func email(_ value: String?) throws -> String? {
        guard let value = try optionalText(value, field: "email") else { return nil }
        guard isEmailAddress(value) else {
            throw FieldbookError(.invalidInput, "email '\(value)' is not an email address (expected name@school.cn)")
        }
        return value
    }

    /// One `@` with something before it, a domain with a dot neither first nor last, and no
    /// white space. Scans UTF-8 bytes (a roster import checks thousands); Unicode's white
    /// space properties are asked only of non-ASCII text.
    static func isEmailAddress(_ value: String) -> Bool {
        var at: Int?
        var dotInDomain = false
        var lastByte: UInt8 = 0
        var ascii = true
        var index = 0
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "@"):
                guard at == nil, index > 0 else { return false }
                at = index
            case UInt8(ascii: "."):
                if let at {
                    guard index > at + 1 else { return false }
                    dotInDomain = true
                }
            case 0x09...0x0D, 0x20: return false
            case 0x80...: ascii = false
            default: break
            }
            lastByte = byte
            index += 1
        }
        guard at != nil, dotInDomain, lastByte != UInt8(ascii: ".") else { return false }
        return ascii || !value.unicodeScalars.contains(where: \.properties.isWhitespace)
    }

    /// A calendar date, `YYYY-MM-DD`.
    public static func date(_ value: String?, field: String) throws -> String? {
        guard let value = try optionalText(value, field: field) else { return nil }
        guard let parts = numbers(value, separators: ["-", "-"]), parts.count == 3, parts[0] >= 1900,
            parts[0] <= 2200, isDate(year: parts[0], month: parts[1], day: parts[2]), value.count == 10
        else {
            throw FieldbookError(.invalidInput, "\(field) '\(value)' is not a date; use YYYY-MM-DD, e.g. 2024-03-02")
        }
        return value
    }

    /// A local start time `YYYY-MM-DDTHH:MM` in an IANA zone.
    ///
    /// - Returns: the normalized local time and the UTC instant as ISO 8601.
    public static func startTime(_ value: String, zone: String) throws -> (local: String, utc: String) {
        let timeZone = try TimeZone(identifier: Self.zone(zone))!
        let trimmed = value.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: " ", with: "T")
        let halves = trimmed.split(separator: "T")
        guard halves.count == 2, let day = try? date(String(halves[0]), field: "start"),
            let clock = numbers(String(halves[1]), separators: [":"]), clock.count == 2, halves[1].count == 5,
            clock[0] < 24, clock[1] < 60
        else {
            throw FieldbookError(
                .invalidInput, "start '\(value)' is not a time; use YYYY-MM-DDTHH:MM, e.g. 2024-03-02T09:00")
        }
        let dayParts = numbers(day, separators: ["-", "-"])!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let components = DateComponents(
            year: dayParts[0], month: dayParts[1], day: dayParts[2], hour: clock[0], minute: clock[1])
        // A local time the clocks skip (the night they go forward) does not exist, and
        // Foundation quietly moves it by the gap instead of failing: check the round trip.
        guard let instant = calendar.date(from: components),
            case let back = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: instant),
            [back.year, back.month, back.day, back.hour, back.minute]
                == [dayParts[0], dayParts[1], dayParts[2], clock[0], clock[1]]
        else {
            throw FieldbookError(
                .invalidInput, "start '\(value)' does not exist in \(zone) (the clocks change that night)")
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return ("\(day)T\(halves[1])", formatter.string(from: instant))
    }

    /// An IANA time zone; abbreviations (CST, IST, BST…) are refused with the zones they may mean.
    public static func zone(_ zone: String) throws -> String {
        if let refusal = ZoneAbbreviations.refusal(zone) { throw FieldbookError(.invalidInput, refusal) }
        guard TimeZone(identifier: zone) != nil else {
            throw FieldbookError(
                .invalidInput, "time zone '\(zone)' is unknown; use an IANA name such as Asia/Shanghai")
        }
        return zone
    }

    static func numbers(_ value: String, separators: [Character]) -> [Int]? {
        let parts = value.split(separator: separators[0], omittingEmptySubsequences: false)
        guard parts.count == separators.count + 1 else { return nil }
        var result: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(part) else {
                return nil
            }
            result.append(number)
        }
        return result
    }

    static func isDate(year: Int, month: Int, day: Int) -> Bool {
        guard (1...12).contains(month), day >= 1 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= lengths[month - 1]
    }

    /// An attendance status.
    public static func status(_ value: String) throws -> AttendanceStatus {
        guard let status = AttendanceStatus(rawValue: value.lowercased()) else {
            throw FieldbookError(
                .invalidInput,
                "status '\(value)' is not one of present, late, absent, excused (or unmarked, to clear a mark)")
        }
        return status
    }

    /// An event kind; `f2f` is accepted for face-to-face.
    public static func kind(_ value: String) throws -> EventKind {
        let normalized = value.lowercased().replacingOccurrences(of: " ", with: "-")
        if normalized == "f2f" || normalized == "facetoface" { return .faceToFace }
        guard let kind = EventKind(rawValue: normalized) else {
            throw FieldbookError(.invalidInput, "event kind '\(value)' is not one of induction, face-to-face, webinar")
        }
        return kind
    }
}
