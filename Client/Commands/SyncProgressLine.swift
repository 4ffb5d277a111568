import FieldbookSync
import Foundation

/// The live line `fieldbook sync` keeps on standard error: the round's progress, or, while
/// it retries, what went wrong, what it kept and when it tries again.
///
/// ```
///   round 3: ↑ 120 changes ↓ 7,210 of ~18,000 changes  (412 KB)
/// connection dropped after 41 KB; 7,210 of ~18,000 changes so far; retrying in 4 s, attempt 3
/// ```
struct SyncProgressLine {
    let progress: SyncClient.Progress

    init(_ progress: SyncClient.Progress) {
        self.progress = progress
    }

    /// The text to write: a progress line rewrites itself (`\r`), a retry line stays.
    var text: String {
        let received = Self.count(progress.received)
        let of = progress.expected > progress.received ? " of ~\(Self.count(progress.expected))" : ""
        guard let retrying = progress.retrying else {
            let bytes = progress.bytesUp + progress.bytesDown
            return
                "\r\u{1B}[K  round \(progress.rounds + 1): ↑ \(Self.count(progress.sent)) changes ↓ \(received)\(of) changes  (\(Self.size(bytes)))"
        }
        let delay = retrying.delay < 1 ? "now" : "in \(Int(retrying.delay.rounded())) s"
        return
            "\r\u{1B}[K\(retrying.reason); \(received)\(of) changes so far; retrying \(delay), attempt \(retrying.attempt)\n"
    }

    static func count(_ value: Int) -> String {
        value.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))
    }

    static func size(_ bytes: Int) -> String {
        bytes < 10 << 10 ? "\(bytes) bytes" : bytes < 10 << 20 ? "\(bytes >> 10) KB" : "\(bytes >> 20) MB"
    }
}
