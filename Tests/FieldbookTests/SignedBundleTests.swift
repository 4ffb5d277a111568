import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookStore
import FieldbookTestSupport
import Testing

/// Bundles are signed: a file passed on by USB stick or chat app, altered on the way and its
/// checksums recomputed, is refused with nothing of the altered frames merged.
struct SignedBundleTests {
    /// A bundle taken apart: its head and its change frames.
    struct Parts {
        var head: BundleHead
        var frames: [ChangeBatch]

        init(_ bytes: [UInt8]) throws {
            var reader = BundleReader(bytes)
            var head: BundleHead?
            var frames: [ChangeBatch] = []
            while let part = try reader.next() {
                switch part {
                case .head(let first): head = first
                case .changes(let batch): frames.append(batch)
                }
            }
            self.head = try #require(head)
            self.frames = frames
        }

        /// The bundle written again, every checksum right: what a forger with the file and
        /// a copy of Fieldbook's format can make.
        var bytes: [UInt8] {
            var writer = BundleWriter()
            for frame in frames { writer.append(frame) }
            return writer.bytes(
                schemaVersion: head.schemaVersion, author: head.author, createdAt: head.createdAt,
                knowledge: head.knowledge, base: head.base, originKeys: head.originKeys)
        }

        /// The first text value of the author's own changes, in frame 0, changed.
        mutating func alterFirstText() throws {
            let index = try #require(
                frames[0].changes.firstIndex { $0.origin == head.author && $0.value.text != nil })
            frames[0].changes[index].value = .text("王芳 (forged)")
        }
    }

    /// How a forger changes an honest bundle.
    enum Forgery: String, CaseIterable, Sendable, CustomStringConvertible {
        /// A value changed, the certificates kept.
        case alteredValue
        /// A value changed and every proof taken out.
        case alteredWithoutProofs
        /// A value changed, the proofs and the author's key taken out.
        case alteredWithoutProofsOrKey
        /// The frames re-signed with the forger's key, put under the author's ID in the head.
        case resignedWithAnotherKey
        var description: String { rawValue }
    }

    @Test func anHonestBundleImportsAndPinsItsAuthorsKey() throws {
        let office = try NPQFixture.replica(1)
        _ = try NPQFixture.roster(on: office, cohorts: 1, participants: 30, events: 1)
        let (bytes, changes, _) = try office.exportBundle(frameBytes: 1024)
        let parts = try Parts(bytes)
        #expect(parts.frames.allSatisfy { !$0.proofs.isEmpty }, "every frame carries its author's proof")
        let laptop = try NPQFixture.replica(2)
        #expect(try laptop.importBundle(bytes).received == changes)
        #expect(try laptop.store.pinnedKey(of: office.store.replicaID) == (try office.store.signingKey().publicKey))
    }

    /// The laptop imported an honest bundle from the office before (it pinned the office's
    /// key), then a forged one: each forgery is refused, nothing of it merged.
    @Test(arguments: Forgery.allCases)
    func aForgedBundleIsRefusedWithNothingMerged(forgery: Forgery) throws {
        let office = try NPQFixture.replica(1)
        let roster = try NPQFixture.roster(on: office, cohorts: 1, participants: 10, events: 1)
        let laptop = try NPQFixture.replica(2)
        _ = try laptop.importBundle(try office.exportBundle().bytes)
        for number in 0..<10 {
            _ = try office.addParticipant(
                cohort: roster.cohorts[0].id.description,
                .init(name: "Late joiner \(number)", trn: "\(2_000_000 + number)"))
        }
        let vector = try Fieldbook.readKnowledgeFile(try laptop.knowledgeFile())
        var parts = try Parts(try office.exportBundle(for: vector, frameBytes: 1024).bytes)
        try parts.alterFirstText()
        switch forgery {
        case .alteredValue: break
        case .alteredWithoutProofs:
            for index in parts.frames.indices { parts.frames[index].proofs = [] }
        case .alteredWithoutProofsOrKey:
            for index in parts.frames.indices { parts.frames[index].proofs = [] }
            parts.head.originKeys = [:]
        case .resignedWithAnotherKey:
            let forger = OriginSigningKey()
            parts.head.originKeys[parts.head.author] = forger.publicKey
            for index in parts.frames.indices {
                parts.frames[index].proofs = parts.frames[index].ranges.map { range in
                    parts.frames[index].proof(of: range, signedWith: forger)
                }
            }
        }
        let before = try laptop.store.knowledge()
        let error = #expect(throws: FieldbookError.self) { try laptop.importBundle(parts.bytes) }
        #expect(error?.code == .forged, "\(error?.message ?? "imported")")
        #expect(error.map { !$0.message.contains("\n") && $0.message.contains("nothing") } == true)
        #expect(try laptop.store.knowledge() == before, "a forged frame merged something")
        #expect(try !laptop.participants().contains { $0.name.contains("forged") })
    }

    /// A laptop that never met the author cannot tell the author's key from a forger's on
    /// first contact (the key is taken on first use, as SSH does); it still refuses a
    /// bundle whose author's changes come unsigned or without the author's key.
    @Test func onFirstContactUnsignedAuthorChangesAreStillRefused() throws {
        let office = try NPQFixture.replica(1)
        _ = try NPQFixture.roster(on: office, cohorts: 1, participants: 10, events: 1)
        var parts = try Parts(try office.exportBundle(frameBytes: 1024).bytes)
        try parts.alterFirstText()
        for index in parts.frames.indices { parts.frames[index].proofs = [] }
        let laptop = try NPQFixture.replica(2)
        let error = #expect(throws: FieldbookError.self) { try laptop.importBundle(parts.bytes) }
        #expect(error?.code == .forged, "\(error?.message ?? "imported")")
        #expect(try laptop.participants().isEmpty)
        #expect(try laptop.store.pinnedKey(of: office.store.replicaID) == nil, "a refused bundle pins no key")
    }

    /// A laptop relays the office's changes it got from a bundle: its own bundle proves
    /// them with the office's certificates, and a third laptop checks them.
    @Test func aRelayedStreamIsProvenWithItsOriginsCertificates() throws {
        let office = try NPQFixture.replica(1)
        _ = try NPQFixture.roster(on: office, cohorts: 1, participants: 20, events: 1)
        let courier = try NPQFixture.replica(2)
        _ = try courier.importBundle(try office.exportBundle().bytes)
        let relay = try courier.exportBundle(frameBytes: 1024).bytes
        let parts = try Parts(relay)
        #expect(parts.head.originKeys[office.store.replicaID] != nil)
        #expect(parts.frames.contains { $0.proofs.contains { $0.certificate.stream.origin == office.store.replicaID } })
        let receiver = try NPQFixture.replica(3)
        _ = try receiver.importBundle(relay)
        #expect(try receiver.store.knowledge() == (try office.store.knowledge()))

        // The courier alters one of the office's values on the way: refused.
        var forged = parts
        let frame = try #require(
            forged.frames.firstIndex {
                $0.changes.contains { $0.origin == office.store.replicaID && $0.value.text != nil }
            })
        let index = try #require(
            forged.frames[frame].changes.firstIndex { $0.origin == office.store.replicaID && $0.value.text != nil })
        forged.frames[frame].changes[index].value = .text("forged by the courier")
        let third = try NPQFixture.replica(4)
        let error = #expect(throws: FieldbookError.self) { try third.importBundle(forged.bytes) }
        #expect(error?.code == .forged, "\(error?.message ?? "imported")")
    }
}
