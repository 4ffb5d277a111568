import Foundation

/// Times as a facilitator reads them: in a zone, with the weekday, to the minute —
/// "Sat 2024-03-02 09:00" — rather than UTC ISO 8601, which is eight hours off in China
/// and hides that a "Friday evening" webinar in London is Saturday morning in Shanghai.
public enum LocalTime {
    /// The zone a replica prints times in unless it is told otherwise.
    public static let defaultZone = "Asia/Shanghai"

    /// A local time `YYYY-MM-DDTHH:MM` with its weekday; the text as given when it is not one.
    public static func withWeekday(local: String) -> String {
        let parts = local.split(separator: "T")
        guard parts.count == 2, let numbers = Validate.numbers(String(parts[0]), separators: ["-", "-"]) else {
            return local
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: DateComponents(year: numbers[0], month: numbers[1], day: numbers[2]))
        else { return local }
        return "\(weekday(calendar.component(.weekday, from: date))) \(parts[0]) \(parts[1])"
    }

    /// An instant (UTC ISO 8601) in `zone`, with the weekday; the text as given when it is not one.
    public static func format(utc: String, in zone: String) -> String {
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime]
        guard let date = parser.date(from: utc), let timeZone = TimeZone(identifier: zone) else { return utc }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
        let day = String(format: "%04d-%02d-%02d %02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
        return "\(weekday(c.weekday!)) \(day)"
    }

    /// An event's start for people: in its own zone, and in `zone` too when that differs
    /// ("Fri 2024-03-08 12:00 Europe/London = Fri 2024-03-08 20:00 Asia/Shanghai").
    public static func start(of event: Event, in zone: String) -> String {
        let own = "\(withWeekday(local: event.starts)) \(event.zone)"
        guard event.zone != zone else { return own }
        return own + " = \(format(utc: event.startsUTC, in: zone)) \(zone)"
    }

    static func weekday(_ number: Int) -> String {
        ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][(number - 1 + 7) % 7]
    }
}

extension Fieldbook {
    /// The settings key of the zone this replica prints times in.
    static let displayZoneSetting = "display.zone"

    /// The IANA zone this replica prints times in (default Asia/Shanghai).
    public func displayZone() throws -> String {
        try store.setting(Self.displayZoneSetting) ?? LocalTime.defaultZone
    }

    /// Sets the zone this replica prints times in (a local setting: it does not travel).
    ///
    /// - Throws: `invalidInput` for an abbreviation or an unknown zone.
    public func setDisplayZone(_ zone: String) throws {
        try store.setSetting(Self.displayZoneSetting, try Validate.zone(zone))
    }
}
