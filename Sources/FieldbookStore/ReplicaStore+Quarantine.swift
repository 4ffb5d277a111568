import FieldbookCore
import Foundation
import GRDB

/// A change held back from the merge because its clock was too far ahead.
public struct QuarantinedChange: Hashable, Sendable {
    /// The change as it arrived.
    public var change: Change
    /// Why it was held back.
    public var reason: String
    /// When it arrived, receiver's Unix milliseconds.
    public var receivedAt: UInt64
}

extension ReplicaStore {
    /// The quarantined changes, by stream and sequence.
    public func quarantined() throws -> [QuarantinedChange] {
        try withReadSession { session in
            try Row.fetchAll(session.db, sql: "SELECT * FROM fb_quarantine ORDER BY id").map { row in
                let stream = try session.stream(ref: LogID.stream(row["id"]))
                return QuarantinedChange(
                    change: try session.pendingChange(row, stream: stream), reason: row["reason"],
                    receivedAt: UInt64(row["received"] as Int64))
            }
        }
    }

    /// Merges quarantined changes as they are (the office accepts a skewed clock's data).
    ///
    /// Each stream is released from the first sequence after what is held, in order;
    /// changes after a hole (never received) stay quarantined until the hole is filled.
    ///
    /// - Parameter origin: release only this replica's changes; `nil` for all.
    /// - Returns: what the merge did.
    @discardableResult
    public func releaseQuarantine(origin: ReplicaID? = nil) throws -> BatchMerger.Report {
        let waiting = try quarantined().map(\.change).filter { origin == nil || $0.origin == origin }
        let batch = ChangeBatch.releasing(waiting, above: try knowledge())
        return try merge(batch, from: nil, acceptSkewed: true, vetted: true)
    }
}
