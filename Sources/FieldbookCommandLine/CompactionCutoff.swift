import FieldbookCore

/// The cutoff of `compact --older-than DAYS`, shared by `fieldbook` and `fieldbook-server`.
public enum CompactionCutoff {
    /// Unix milliseconds `days` before `now`: changes superseded before it are removed.
    ///
    /// - Throws: `.usage` for a negative number of days.
    public static func days(_ days: Int, before now: UInt64) throws -> UInt64 {
        guard days >= 0 else { throw FieldbookError(.usage, "--older-than must be 0 or more days") }
        let span = UInt64(days).multipliedReportingOverflow(by: 86_400_000)
        return span.overflow || span.partialValue > now ? 0 : now - span.partialValue
    }
}
