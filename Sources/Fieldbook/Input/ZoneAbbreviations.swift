import Foundation

/// Time-zone abbreviations people type, and the IANA zones they may mean.
///
/// Foundation takes `CST` as US Central time, 13 or 14 hours from the China Standard Time a
/// facilitator in Shanghai means; `IST` and `BST` are as ambiguous. An abbreviation is
/// refused with the IANA names to choose from, never guessed.
enum ZoneAbbreviations {
    static let meanings: [String: [String]] = [
        "CST": ["Asia/Shanghai (China)", "America/Chicago (US Central)", "America/Havana (Cuba)"],
        "CCT": ["Asia/Shanghai (China)"],
        "BJT": ["Asia/Shanghai (China)"],
        "HKT": ["Asia/Hong_Kong"],
        "IST": ["Asia/Kolkata (India)", "Europe/Dublin (Ireland)", "Asia/Jerusalem (Israel)"],
        "BST": ["Europe/London (British Summer Time)", "Asia/Dhaka (Bangladesh)"],
        "GMT": ["Europe/London (UK, with summer time)", "UTC (no summer time)"],
        "EST": ["America/New_York"], "EDT": ["America/New_York"],
        "CDT": ["America/Chicago"], "MST": ["America/Denver", "America/Phoenix"], "MDT": ["America/Denver"],
        "PST": ["America/Los_Angeles"], "PDT": ["America/Los_Angeles"],
        "CET": ["Europe/Paris", "Europe/Berlin"], "CEST": ["Europe/Paris", "Europe/Berlin"],
        "JST": ["Asia/Tokyo"], "KST": ["Asia/Seoul"], "SGT": ["Asia/Singapore"],
        "AEST": ["Australia/Sydney", "Australia/Brisbane"], "PRC": ["Asia/Shanghai"],
    ]

    /// Why `zone` is refused, if it is an abbreviation rather than an IANA name.
    static func refusal(_ zone: String) -> String? {
        let key = zone.trimmingCharacters(in: .whitespaces).uppercased()
        if let meanings = meanings[key] {
            return "time zone '\(zone)' is an abbreviation that may mean "
                + meanings.joined(separator: " or ")
                + "; give the IANA name, e.g. --zone \(meanings[0].split(separator: " ")[0])"
        }
        // Other bare letters (no region/city) are abbreviations too; UTC alone is unambiguous.
        guard key != "UTC", (2...5).contains(key.count), key.allSatisfy(\.isLetter) else { return nil }
        return "time zone '\(zone)' is an abbreviation; give an IANA name such as Asia/Shanghai or Europe/London"
    }
}
