import FieldbookCore
import FieldbookServer

/// Every frame a store sends a peer that holds nothing, in order: what a new office
/// laptop pulls, paging through `changes(for:)`.
public func allFrames(_ store: any SyncStore, byteBudget: Int = 64 << 10, partitions: Set<PartitionID>? = nil)
    async throws -> [ChangeBatch]
{
    var peer = Knowledge()
    var frames: [ChangeBatch] = []
    for _ in 0..<100_000 {
        let assembly = try await store.changes(for: peer, partitions: partitions, byteBudget: byteBudget)
        frames.append(assembly.batch)
        peer.advance(through: assembly.batch.ranges)
        if !assembly.hasMore { break }
    }
    return frames
}

/// Every change a store holds, paging through `changes(for:)` from empty knowledge.
public func allChanges(_ store: any SyncStore, byteBudget: Int = 64 << 10, partitions: Set<PartitionID>? = nil)
    async throws -> [Change]
{
    try await allFrames(store, byteBudget: byteBudget, partitions: partitions).flatMap(\.changes)
}
