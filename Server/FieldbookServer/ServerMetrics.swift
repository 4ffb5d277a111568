import FieldbookCore
import Prometheus

/// The server's Prometheus metrics, in a registry of its own so several servers can run
/// in one process (tests) without sharing counters.
public struct ServerMetrics: Sendable {
    /// The registry `GET /metrics` renders.
    public let registry: PrometheusCollectorRegistry
    let rounds: Counter
    let changesIn: Counter
    let changesMerged: Counter
    let changesOut: Counter
    let bytesIn: Counter
    let bytesOut: Counter
    let conflicts: Counter
    let quarantined: Counter
    let refusedPushes: Counter
    let roundSeconds: DurationHistogram

    /// A fresh registry with every Fieldbook metric registered.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        rounds = registry.makeCounter(name: "fieldbook_sync_rounds_total", help: "Sync rounds answered successfully.")
        changesIn = registry.makeCounter(name: "fieldbook_changes_received_total", help: "Changes pushed by clients.")
        changesMerged = registry.makeCounter(
            name: "fieldbook_changes_merged_total", help: "Pushed changes newly taken in (not duplicates).")
        changesOut = registry.makeCounter(name: "fieldbook_changes_sent_total", help: "Changes sent to clients.")
        bytesIn = registry.makeCounter(name: "fieldbook_bytes_in_total", help: "Request body bytes received.")
        bytesOut = registry.makeCounter(name: "fieldbook_bytes_out_total", help: "Response body bytes sent.")
        conflicts = registry.makeCounter(
            name: "fieldbook_conflicts_total", help: "Concurrent losers written to the conflict ledger.")
        quarantined = registry.makeCounter(
            name: "fieldbook_quarantined_total", help: "Changes held back for clock skew.")
        refusedPushes = registry.makeCounter(
            name: "fieldbook_pushes_refused_total",
            help:
                "Pushes refused whole: a change outside its row's partition or its token's rights, or a token used by another replica."
        )
        roundSeconds = registry.makeDurationHistogram(
            name: "fieldbook_sync_round_seconds",
            buckets: [
                .milliseconds(5), .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
            ],
            help: "Time to answer a sync round.")
        for code in Self.errorCodes { _ = error(code) }
    }

    static let errorCodes: [FieldbookError.Code] = [
        .corrupt, .unknownKind, .invalidInput, .badToken, .scopeDenied, .sequenceGap, .tooLarge, .clockSkew,
        .unsupportedVersion, .storage, .internal,
    ]

    /// The error counter of one kind.
    func error(_ code: FieldbookError.Code) -> Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "fieldbook", metricName: "errors", unitName: "total",
                helpText: "Refused or failed requests by kind."),
            labels: [("kind", code.description)])
    }

    /// Counts a merged round.
    func record(report: BatchMerger.Report, pushed: Int, sent: Int) {
        rounds.increment()
        changesIn.increment(by: Int64(pushed))
        changesMerged.increment(by: Int64(report.received))
        changesOut.increment(by: Int64(sent))
        conflicts.increment(by: Int64(report.conflicts))
        quarantined.increment(by: Int64(report.quarantined))
    }

    /// The Prometheus text exposition.
    public func render() -> String {
        registry.emitToString()
    }
}
