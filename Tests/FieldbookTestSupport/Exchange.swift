import FieldbookCore
import FieldbookStore

/// Moves changes between stores in-process, the way sync will over the network.
public enum Exchange {
    /// Pulls everything `receiver` lacks from `sender`, one bounded batch at a time.
    ///
    /// - Returns: the summed merge reports and the number of batches.
    @discardableResult
    public static func pull(
        into receiver: ReplicaStore, from sender: ReplicaStore, byteBudget: Int = .max, maximumBatches: Int = 10_000
    ) throws -> (report: BatchMerger.Report, batches: Int) {
        var total = BatchMerger.Report()
        for batches in 1...maximumBatches {
            let assembly = try sender.changes(for: try receiver.knowledge(), byteBudget: byteBudget)
            if !assembly.batch.isEmpty {
                total.add(try receiver.merge(assembly.batch, from: sender.replicaID))
            }
            if !assembly.hasMore { return (total, batches) }
        }
        throw ExchangeError(message: "pull did not finish in \(maximumBatches) batches")
    }

    /// Exchanges changes between every ordered pair of stores until a whole round moves
    /// nothing and every store holds the same knowledge.
    ///
    /// Conflict ledger entries are new local writes of the replica that detects them, so
    /// a round can create work for the next; quiescence is reached when it does not.
    ///
    /// - Returns: the number of rounds it took.
    @discardableResult
    public static func untilQuiescent(_ stores: [ReplicaStore], byteBudget: Int = .max, maximumRounds: Int = 20)
        throws -> Int
    {
        for round in 1...maximumRounds {
            var moved = 0
            for receiver in stores {
                for sender in stores where sender !== receiver {
                    moved += try pull(into: receiver, from: sender, byteBudget: byteBudget).report.received
                }
            }
            let knowledge = try stores.map { try $0.knowledge() }
            if moved == 0 && Set(knowledge).count == 1 { return round }
        }
        throw ExchangeError(message: "stores did not quiesce in \(maximumRounds) rounds")
    }

    /// Syncs every store through one hub, as clients sync through a server: each round,
    /// the hub pulls from every other store, then every other store pulls from the hub,
    /// until a round moves nothing and all knowledge is equal.
    ///
    /// - Returns: the number of rounds it took.
    @discardableResult
    public static func untilQuiescent(
        _ stores: [ReplicaStore], hub: Int, byteBudget: Int = .max, maximumRounds: Int = 20
    ) throws -> Int {
        let center = stores[hub]
        let spokes = stores.indices.filter { $0 != hub }.map { stores[$0] }
        for round in 1...maximumRounds {
            var moved = 0
            for spoke in spokes {
                moved += try pull(into: center, from: spoke, byteBudget: byteBudget).report.received
            }
            for spoke in spokes {
                moved += try pull(into: spoke, from: center, byteBudget: byteBudget).report.received
            }
            let knowledge = try stores.map { try $0.knowledge() }
            if moved == 0 && Set(knowledge).count == 1 { return round }
        }
        throw ExchangeError(message: "stores did not quiesce through the hub in \(maximumRounds) rounds")
    }

    /// A failure to converge.
    public struct ExchangeError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
