import Fieldbook
import FieldbookCore
import FieldbookStore
import FieldbookTestSupport
import Foundation
import GRDB
import Testing

/// A replica file made before replicas had keys: its history stays unsigned, accepted only
/// from a sender trusted with it, and its chains start at what it had written.
struct SignedLegacyReplicaTests {
    @Test func aReplicaFromBeforeSigningStartsItsChainsAtWhatItHadWritten() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("old.sqlite")
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/replica-before-exact-values.sqlite")
        try FileManager.default.copyItem(atPath: fixture.path, toPath: path)
        let old = try ReplicaStore.open(at: path, schema: NPQSchema.current)
        let own = try old.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.held, s.chain_base FROM fb_streams s JOIN fb_replicas r ON r.id = s.origin
                    WHERE r.replica = ? AND s.held > 0
                    """, arguments: [old.replicaID.rawValue.data])
        }
        #expect(!own.isEmpty, "the fixture has streams of its own")
        for row in own { #expect(row["chain_base"] as Int64 == row["held"] as Int64) }

        func receiver(_ index: Int) throws -> ReplicaStore {
            let store = try ReplicaStore.create(
                at: ":memory:", name: "new \(index)", schema: NPQSchema.current, genesis: Programme.genesis,
                replicaID: Fixture.replicaID(index))
            try store.pin(try old.signingKey().publicKey, for: old.replicaID)
            return store
        }
        let batch = try old.proving(try Fixture.everything(in: old))
        let strict = try receiver(1)
        let error = #expect(throws: FieldbookError.self) {
            try strict.merge(
                batch, from: old.replicaID, recordsConflicts: false, chains: BatchMerger.ChainCheck { _ in false })
        }
        #expect(error?.code == .forged)
        let trusting = try receiver(2)
        try trusting.merge(
            batch, from: old.replicaID, recordsConflicts: false, chains: BatchMerger.ChainCheck { _ in true })
        let (oldKnowledge, newKnowledge) = (try old.knowledge(), try trusting.knowledge())
        #expect(newKnowledge == oldKnowledge, "\(oldKnowledge) vs \(newKnowledge)")

        // What it writes from now on is signed, on top of the old history.
        let before = try old.knowledge()
        try old.write { tx in
            _ = try tx.set(
                table: "venues", key: RowKey(Fixture.rowID(77)), partition: .shared,
                values: ["school": .text("Yantai No. 2 Middle School"), "city": .text("Yantai")])
        }
        let fresh = try old.changes(for: before, byteBudget: .max).batch
        try trusting.merge(
            try old.proving(fresh), from: old.replicaID, recordsConflicts: false,
            chains: BatchMerger.ChainCheck { _ in false })
        #expect(try trusting.knowledge() == old.knowledge())
    }
}
