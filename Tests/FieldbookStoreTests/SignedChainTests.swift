import FieldbookCore
import FieldbookStore
import FieldbookTestSupport
import Foundation
import GRDB
import Testing

/// Signed chains on real SQLite replicas: an origin signs what it wrote, a relay that
/// compacted passes the stream on with digests in frames cut anywhere, and every receiver
/// proves each frame before it merges; altered, invented or unkeyed changes are refused
/// with nothing merged.
struct SignedChainTests {
    static let strict = BatchMerger.ChainCheck { _ in false }

    /// Pulls everything `receiver` lacks from `sender` in proven batches of about
    /// `byteBudget`, checking chains.
    @discardableResult
    static func provenPull(
        into receiver: ReplicaStore, from sender: ReplicaStore, byteBudget: Int = .max,
        check: BatchMerger.ChainCheck = strict
    ) throws -> Int {
        var batches = 0
        while true {
            let assembly = try sender.changes(for: try receiver.knowledge(), byteBudget: byteBudget)
            if !assembly.batch.isEmpty {
                let proven = try sender.proving(assembly.batch)
                let unproven = proven.ranges.filter { range in
                    !proven.proofs.contains { $0.certificate.stream == range.stream }
                }
                #expect(unproven.isEmpty, "batch \(batches + 1) has no proof for \(unproven) of \(proven.ranges)")
                try receiver.merge(proven, from: sender.replicaID, chains: check)
                batches += 1
            }
            if !assembly.hasMore { return batches }
        }
    }

    static func chainHeads(_ store: ReplicaStore) throws -> [String] {
        try store.read { db in
            try String.fetchAll(db, sql: "SELECT hex(chain_head) FROM fb_streams WHERE held > 0 ORDER BY id")
        }
    }

    /// A writer with some history (overwrites, so the log holds superseded changes) in
    /// two partitions.
    static func writer(_ index: Int, seed: UInt64, steps: Int = 60) throws -> ReplicaStore {
        let clock = ManualWallClock()
        let store = try Fixture.store(index, clock: clock)
        var workload = StoreWorkload(seed: seed)
        for _ in 0..<steps {
            clock.advance(by: 3)
            _ = try workload.step(on: store)
        }
        return store
    }

    @Test func aReceiverProvesAndKeepsTheChainOfEveryStream() throws {
        let origin = try Self.writer(1, seed: 1)
        let receiver = try Fixture.store(2)
        try receiver.pin(try origin.signingKey().publicKey, for: origin.replicaID)
        try Self.provenPull(into: receiver, from: origin)
        #expect(try receiver.knowledge() == origin.knowledge())
        let heads = try Self.chainHeads(receiver)
        #expect(!heads.isEmpty && heads.allSatisfy { $0.count == 64 }, "every stream's head is kept: \(heads)")
    }

    @Test(arguments: Seeds.list(default: 8))
    func aCompactingRelayPassesStreamsOnInSmallFramesAndEveryFrameIsProven(seed: UInt64) throws {
        let origin = try Self.writer(1, seed: seed)
        let relay = try Fixture.store(2)
        let late = try Fixture.store(3)
        for store in [relay, late] { try store.pin(try origin.signingKey().publicKey, for: origin.replicaID) }
        // The origin's own history is compacted too: its digests keep it signable.
        try origin.compact(supersededBefore: .max >> 1)
        try Self.provenPull(into: relay, from: origin, byteBudget: 97)
        try relay.compact(supersededBefore: .max >> 1)
        let frames = try Self.provenPull(into: late, from: relay, byteBudget: 61)
        #expect(frames > 2, "seed \(seed): small frames, cut inside what the origin signed")
        #expect(try late.knowledge() == origin.knowledge(), "seed \(seed)")
        #expect(try canonicalDump(late, .data) == canonicalDump(origin, .data), "seed \(seed)")
        #expect(try Self.chainHeads(late) == Self.chainHeads(relay), "seed \(seed)")
    }

    @Test(arguments: ["value", "stamp", "invented", "dropped"])
    func aRelayThatAltersAStreamIsRefusedWithNothingMerged(_ lie: String) throws {
        let origin = try Self.writer(1, seed: 7)
        let receiver = try Fixture.store(2)
        try receiver.pin(try origin.signingKey().publicKey, for: origin.replicaID)
        var batch = try origin.proving(try Fixture.everything(in: origin))
        let index = batch.changes.count / 2
        switch lie {
        case "value": batch.changes[index].value = .text("forged")
        case "stamp": batch.changes[index].stamp.time = HLC(rawValue: batch.changes[index].stamp.time.rawValue + 1)
        case "invented":
            var invented = batch.changes[index]
            invented.column = "note"
            batch.changes[index] = invented
        default: batch.changes.remove(at: index)
        }
        let before = try canonicalDump(receiver, .all)
        let error = #expect(throws: FieldbookError.self) {
            try receiver.merge(batch, from: origin.replicaID, chains: Self.strict)
        }
        #expect(error?.code == .forged, "\(error?.message ?? "")")
        #expect(try canonicalDump(receiver, .all) == before, "nothing of a forged batch merges")
    }

    @Test func anOriginWhoseKeyIsNotKnownIsRefusedUnlessTheSenderIsTrustedWithIt() throws {
        let origin = try Self.writer(1, seed: 3)
        let batch = try origin.proving(try Fixture.everything(in: origin))
        let strict = try Fixture.store(2)
        let error = #expect(throws: FieldbookError.self) {
            try strict.merge(batch, from: origin.replicaID, chains: Self.strict)
        }
        #expect(error?.code == .forged)
        #expect(error?.message.contains("key") == true, "\(error?.message ?? "")")
        // A trusted sender (the server, for a laptop) passes unkeyed history on its word;
        // the chain head stays unknown, so nothing later is taken without proof.
        let trusting = try Fixture.store(3)
        try trusting.merge(batch, from: origin.replicaID, chains: BatchMerger.ChainCheck { _ in true })
        #expect(try trusting.knowledge() == origin.knowledge())
        #expect(try Self.chainHeads(trusting).allSatisfy(\.isEmpty))
    }

    @Test func aSecondKeyForAnOriginIsRefused() throws {
        let store = try Fixture.store(2)
        let origin = Fixture.replicaID(1)
        let key = OriginSigningKey().publicKey
        try store.pin(key, for: origin)
        try store.pin(key, for: origin)
        let error = #expect(throws: FieldbookError.self) { try store.pin(OriginSigningKey().publicKey, for: origin) }
        #expect(error?.code == .forged)
        #expect(try store.pinnedKey(of: origin) == key)
    }

    @Test func theKeyIsMadeOnceAndKeptInTheFile() throws {
        let directory = try TemporaryDirectory()
        let store = try Fixture.fileStore(1, in: directory)
        let key = try store.signingKey().publicKey
        #expect(try store.signingKey().publicKey == key)
        let reopened = try ReplicaStore.open(at: directory.path("replica-1.sqlite"), schema: Fixture.schema)
        #expect(try reopened.signingKey().publicKey == key)
        #expect(try reopened.pinnedKey(of: store.replicaID) == key, "its own key is pinned under its own ID")
    }

    @Test func aRestampedStreamIsSignedAgainOverItsNewStamps() throws {
        let clock = ManualWallClock()
        let origin = try Fixture.store(1, clock: clock)
        for index in 1...5 {
            try origin.write { tx in
                _ = try tx.set(
                    table: Fixture.items, key: RowKey(Fixture.rowID(index)), partition: .shared,
                    values: ["name": .text("n\(index)")])
            }
        }
        try origin.certifyOwnStreams()
        clock.advance(by: 10_000)
        try origin.restamp(StreamID(partition: .shared, origin: origin.replicaID), from: 3)
        let receiver = try Fixture.store(2)
        try receiver.pin(try origin.signingKey().publicKey, for: origin.replicaID)
        try Self.provenPull(into: receiver, from: origin)
        #expect(try canonicalDump(receiver, .data) == canonicalDump(origin, .data))
    }
}
