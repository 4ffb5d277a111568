import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookStore
import FieldbookSync
import FieldbookTestSupport

/// A laptop that lies, in a simulation: a facilitator's replica whose token opens the
/// simulation's cohort and one partition where no row lives, and which writes its own
/// requests instead of running ``FieldbookSync/SyncClient``, except to pull honestly.
///
/// Every request it crafts is one a buggy or hostile laptop could send over HTTP:
/// mislabelled rows, shared rows, partitions outside its token, changes and ranges under
/// other replicas' origins, replays and altered copies of what it received, another
/// replica's identity, gaps in its own stream. ``Attack/expected`` says what the server
/// must answer; the simulation checks that and that nothing of a refused or harmless round
/// reached the server's store.
final class ByzantineReplica {
    let replicaID: ReplicaID
    let token: String
    /// The simulation's cohort: the partition its rows live in.
    let cohort: PartitionID
    /// A partition the token may write that no row belongs to: moving a row there passes
    /// the token's partition check and must still be refused by the row's own partition.
    let decoy: PartitionID
    let clock: ManualWallClock
    let fieldbook: Fieldbook

    var store: ReplicaStore { fieldbook.store }

    /// The partitions the token may read: its two and the shared one.
    var readable: Set<PartitionID> { [cohort, decoy, .shared] }

    init(path: String, replicaID: ReplicaID, token: String, cohort: PartitionID, decoy: PartitionID, now: UInt64)
        throws
    {
        self.replicaID = replicaID
        self.token = token
        self.cohort = cohort
        self.decoy = decoy
        clock = ManualWallClock(milliseconds: now)
        fieldbook = try Fieldbook.create(
            at: path, name: "byzantine", replicaID: replicaID, options: .init(wallClock: clock))
    }

    /// One lie.
    enum Attack: CaseIterable, CustomStringConvertible {
        /// A cohort row's change labelled with the decoy partition (which the token may write).
        case mislabelled
        /// A change to a shared row (a venue, a programme): only the office writes those.
        case sharedRow
        /// A cohort row's change labelled with a partition outside the token.
        case foreignPartition
        /// A change under another replica's origin, just above what the server holds of it.
        case forgedOrigin
        /// A range claiming another replica's stream far ahead, with no changes.
        case forgedRange
        /// Changes received from the server, sent back as they are.
        case replay
        /// Changes received from the server with their values changed, origins and
        /// sequences kept.
        case altered
        /// A round under another replica's ID with this laptop's token.
        case impersonation
        /// A change of its own stream that skips sequences.
        case ownGap

        /// The HTTP status the server must answer with; 200 for a round that must merge
        /// nothing at all.
        var expectedStatus: Int {
            switch self {
            case .mislabelled, .sharedRow, .foreignPartition, .forgedOrigin, .forgedRange: 403
            case .replay, .altered: 200
            case .impersonation: 401
            case .ownGap: 409
            }
        }

        var description: String {
            switch self {
            case .mislabelled: "a mislabelled row"
            case .sharedRow: "a shared row"
            case .foreignPartition: "a partition outside its token"
            case .forgedOrigin: "a change under another origin"
            case .forgedRange: "a forged range"
            case .replay: "a replay"
            case .altered: "altered changes"
            case .impersonation: "another replica's identity"
            case .ownGap: "a gap in its own stream"
            }
        }
    }

    /// A crafted request: the round's bytes and what it tried.
    struct Lie {
        var attack: Attack
        var body: [UInt8]
        /// The changes it carries, to name them when the server's answer is wrong.
        var changes: [Change] = []
    }

    /// Crafts `attack` from what this replica holds and what the server holds; `nil` when it
    /// holds nothing to build that lie from yet.
    func craft(
        _ attack: Attack, server: Knowledge, serverID: ReplicaID, honest: [ReplicaID],
        random: inout SeededRandom
    ) throws -> Lie? {
        let held = try store.changes(for: Knowledge(), byteBudget: .max).batch.changes
        let cohortRows = held.filter { $0.partition == cohort && $0.table != NPQSchema.Table.devices }
        let stamp = Stamp(time: HLC(milliseconds: clock.milliseconds()), origin: replicaID)
        let key = try store.signingKey()
        var open = RoundOpen(
            schemaVersion: 1, replica: replicaID, clientTime: clock.milliseconds(), knowledge: Knowledge(),
            roundBytes: 1, publicKey: key.publicKey)

        /// One change of this replica's own stream in `partition`, writing `row`'s cell.
        func own(_ row: Change, in partition: PartitionID, sequence: UInt64 = 1) -> ChangeBatch {
            let change = Change(
                partition: partition, table: row.table, key: row.key, column: row.column, value: .text("lie"),
                stamp: stamp, sequence: sequence, previous: nil)
            return ChangeBatch(
                changes: [change],
                ranges: [StreamRange(stream: change.stream, after: sequence - 1, through: sequence)])
        }

        let batch: ChangeBatch
        switch attack {
        case .mislabelled:
            guard let row = cohortRows.randomElement(using: &random) else { return nil }
            batch = own(row, in: decoy)
        case .sharedRow:
            guard let row = held.filter({ $0.partition.isShared }).randomElement(using: &random) else { return nil }
            batch = own(row, in: Bool.random(using: &random) ? .shared : cohort)
        case .foreignPartition:
            guard let row = cohortRows.randomElement(using: &random) else { return nil }
            batch = own(row, in: PartitionID(Bytes16(high: random.next(), low: random.next())))
        case .forgedOrigin:
            guard let row = cohortRows.randomElement(using: &random) else { return nil }
            let origin = (honest + [serverID]).randomElement(using: &random)!
            let stream = StreamID(partition: cohort, origin: origin)
            let next = server[stream] + 1
            let change = Change(
                partition: cohort, table: row.table, key: row.key, column: row.column, value: .text("forged"),
                stamp: Stamp(time: stamp.time, origin: origin), sequence: next, previous: nil)
            batch = ChangeBatch(
                changes: [change], ranges: [StreamRange(stream: stream, after: next - 1, through: next)])
        case .forgedRange:
            let origin = (honest + [serverID]).randomElement(using: &random)!
            let stream = StreamID(partition: cohort, origin: origin)
            let held = server[stream]
            batch = ChangeBatch(ranges: [
                StreamRange(
                    stream: stream, after: held, through: held + UInt64.random(in: 1...1_000_000, using: &random))
            ])
        case .replay, .altered:
            // Only its cohort's: a range in a partition the token may not write is refused
            // however harmless (the shared data is the office's).
            let foreign = held.filter { $0.origin != replicaID && $0.partition == cohort }
            guard !foreign.isEmpty else { return nil }
            let picked = (0..<min(20, foreign.count)).map { _ in foreign.randomElement(using: &random)! }
            var byStream: [StreamID: [Change]] = [:]
            for change in Set(picked) { byStream[change.stream, default: []].append(change) }
            var lies = ChangeBatch()
            for (stream, changes) in byStream.sorted(by: { $0.key < $1.key }) {
                let sorted = changes.sorted { $0.sequence < $1.sequence }
                lies.ranges.append(
                    StreamRange(stream: stream, after: sorted[0].sequence - 1, through: sorted.last!.sequence))
                lies.changes += sorted.map { change in
                    var copy = change
                    if attack == .altered { copy.value = .text("altered \(change.value)") }
                    return copy
                }
            }
            batch = lies
        case .impersonation:
            guard let victim = honest.randomElement(using: &random) else { return nil }
            open.replica = victim
            batch = ChangeBatch()
        case .ownGap:
            guard let row = cohortRows.randomElement(using: &random) else { return nil }
            batch = own(row, in: cohort, sequence: UInt64.random(in: 3...50, using: &random))
        }
        // Signed with its own key, as a hostile laptop holding its replica file can: the
        // server must refuse each lie for what it is, not for a missing signature.
        let signed = Self.signingOwnRanges(of: batch, origin: replicaID, with: key)
        let body =
            WireFormat.frame(.roundOpen(open)) + (signed.isEmpty ? [] : WireFormat.frame(.changes(signed)))
        return Lie(attack: attack, body: body, changes: batch.changes)
    }

    /// `batch` with a certificate over each of `origin`'s ranges, its chain starting at the
    /// range's start: what the server checks a laptop's own new changes against when it
    /// holds none of them yet (every lie of this replica's own stream was refused so far).
    static func signingOwnRanges(of batch: ChangeBatch, origin: ReplicaID, with key: OriginSigningKey) -> ChangeBatch {
        var signed = batch
        for range in batch.ranges where range.stream.origin == origin {
            signed.proofs.append(batch.proof(of: range, signedWith: key))
        }
        return signed
    }
}
