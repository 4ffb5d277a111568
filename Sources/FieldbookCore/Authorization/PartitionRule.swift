/// How the partition of a replicated row is derived from the row itself.
///
/// A row belongs to one partition for its life. The partition a change is labelled with
/// is a claim by its writer; a merging replica checks the claim against this rule, so a
/// writer cannot reach another partition's row by labelling a change with a partition it
/// may write (see ``RowAuthorizer``).
public enum PartitionRule: Hashable, Sendable {
    /// The row is a partition: a cohort's partition is the cohort's own row ID.
    case ownKey
    /// Shared reference data (programmes, venues): the shared partition, written only by
    /// writers that may write every partition (the office).
    case shared
    /// The partition is the cohort named by this column (a 16-byte row ID), fixed when
    /// the row is created: participants, events and notes by their `cohort_id`.
    case column(String)
    /// The partition of another row, named by one part of this row's key: attendance,
    /// keyed by `(event, participant)`, lives in its event's partition.
    case keyReference(table: String, keyPart: Int)
    /// A replica's own record in a partition (`devices`): its key is derived from the
    /// writer and the partition (``PartitionRule/replicaRecordKey(replica:partition:)``),
    /// so only that replica can write it, and `replicaColumn` must name the writer.
    case replicaRecord(replicaColumn: String)
    /// A conflict ledger entry: the partition of the cell it is about.
    case ledger

    /// The key of `replica`'s own record in `partition`: the same on every replica.
    public static func replicaRecordKey(replica: ReplicaID, partition: PartitionID) -> RowKey {
        RowKey(RowID.derived(from: Array("device:".utf8) + replica.rawValue.bytes + partition.rawValue.bytes))
    }
}
