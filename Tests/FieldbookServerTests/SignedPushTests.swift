import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookServer
import FieldbookStore
import FieldbookTestSupport
import Foundation
import HummingbirdTesting
import Testing

/// Pushes are signed: a token is bound to its replica's key at its first signed round,
/// and the server takes that replica's changes only with a certificate of that key over
/// exactly those changes. A copied token, or a laptop's file edited by hand, pushes nothing.
struct SignedPushTests {
    /// What a hostile client does to an honest signed push.
    enum Forgery: String, CaseIterable, Sendable, CustomStringConvertible {
        /// The honest push, for contrast: it must land.
        case none
        /// The opening frame presents another key (a copied token on another machine).
        case anotherKey
        /// The opening frame presents no key (an old or hand-written client).
        case noKey
        /// The right key, but the changes come without their certificate.
        case unsigned
        /// The right certificate, but a value changed after it was signed.
        case altered
        /// The value changed and a certificate made for it with a key of the thief's own.
        case resignedWithAnotherKey
        /// A certificate that covers only the first of the pushed changes.
        case certificateTooShort
        /// The changes moved to later sequences, their certificate kept (it no longer
        /// reaches their end).
        case shiftedSequence

        var description: String { rawValue }

        var expected: (status: Int, code: FieldbookError.Code?) {
            switch self {
            case .none: (200, nil)
            case .anotherKey, .noKey: (401, .badToken)
            case .unsigned, .altered, .resignedWithAnotherKey, .certificateTooShort, .shiftedSequence: (403, .forged)
            }
        }
    }

    @Test(arguments: Forgery.allCases)
    func aPushIsTakenOnlyWithItsReplicasSignature(forgery: Forgery) async throws {
        let scenario = try await Scenario.make()
        // Syncs once as the CLI does: the token is bound to the writer and its key.
        let writer = try await scenario.writer()
        let token = try await scenario.officeToken(for: writer.store.replicaID)
        let key = try writer.store.signingKey().publicKey
        let tokenID = try #require(DeviceToken(token)).id
        let stored = try #require(try await scenario.backend.store.token(id: tokenID))
        #expect(stored.replica == writer.store.replicaID && stored.publicKey == key)

        var notes: [RowID] = []
        for index in 0..<3 {
            notes.append(try writer.addNote("Signed note \(index)", event: scenario.eventA.id.description).id)
        }
        let before = try await scenario.backend.knowledge()
        let pending = try writer.store.changes(for: before, byteBudget: .max).batch
        var batch = try writer.store.proving(pending)
        var presented: OriginPublicKey? = key
        let own = try #require(batch.ranges.first { $0.stream.origin == writer.store.replicaID })
        let ownProof = try #require(batch.proofs.firstIndex { $0.certificate.stream == own.stream })
        let thief = OriginSigningKey()

        switch forgery {
        case .none: break
        case .anotherKey: presented = thief.publicKey
        case .noKey: presented = nil
        case .unsigned: batch.proofs = []
        case .altered:
            let index = try #require(batch.changes.firstIndex { $0.stream == own.stream && $0.value.text != nil })
            batch.changes[index].value = .text("Rewritten by someone else")
        case .resignedWithAnotherKey:
            let index = try #require(batch.changes.firstIndex { $0.stream == own.stream && $0.value.text != nil })
            batch.changes[index].value = .text("Rewritten by someone else")
            batch.proofs[ownProof] = batch.proof(of: own, signedWith: thief)
        case .certificateTooShort:
            let first = own.after + 1
            let prefix = ChangeBatch(
                changes: batch.changes.filter { $0.stream == own.stream && $0.sequence == first },
                ranges: [StreamRange(stream: own.stream, after: own.after, through: first)])
            // Signed by nobody who holds the key: the honest certificate's head cannot be
            // cut short, so a thief can only offer the one the laptop signed for #first.
            let honest = try writer.store.proving(prefix).proofs
            batch.proofs[ownProof] = try #require(honest.first)
        case .shiftedSequence:
            let shift: UInt64 = 5
            batch.changes = batch.changes.map { change in
                var moved = change
                if change.stream == own.stream { moved.sequence += shift }
                return moved
            }
            batch.ranges = batch.ranges.map { range in
                range.stream == own.stream
                    ? StreamRange(stream: range.stream, after: range.after + shift, through: range.through + shift)
                    : range
            }
        }

        let open = RoundOpen(
            schemaVersion: UInt32(writer.store.schema.version), replica: writer.store.replicaID,
            clientTime: SystemWallClock().milliseconds(), knowledge: try writer.store.knowledge(),
            publicKey: presented)
        let body = WireFormat.frame(.roundOpen(open)) + WireFormat.frame(.changes(batch))
        let answer = try await application(scenario.backend).testOffThePool(.live) { client in
            try await client.postSync(body, token: token)
        }

        #expect(answer.status == forgery.expected.status, "\(answer.error?.message ?? "no error")")
        let serverNotes = try scenario.backend.fieldbook.notes().map(\.id)
        if let code = forgery.expected.code {
            let error = try #require(answer.error)
            #expect(error.code == code, "\(error.message)")
            #expect(!error.message.contains("\n") && error.message.contains(";"), "\(error.message)")
            #expect(try await scenario.backend.knowledge() == before, "a refused push merged something")
            #expect(notes.allSatisfy { !serverNotes.contains($0) })
        } else {
            #expect(notes.allSatisfy { serverNotes.contains($0) })
        }
        // Whatever was tried, the laptop's own sync still works and delivers its notes.
        _ = try await sync(writer, over: ServiceTransport(service: scenario.backend.service), token: token)
        let synced = try scenario.backend.fieldbook.notes().map(\.id)
        #expect(notes.allSatisfy { synced.contains($0) })
    }

    /// A token bound before its laptop signed (an upgrade) takes the key of its next signed
    /// round, and from then on refuses rounds without it; a re-bind by the office clears it.
    @Test func aTokenBoundBeforeSigningTakesItsFirstKey() async throws {
        let scenario = try await Scenario.make()
        let writer = try scenario.replicas.make("upgraded")
        let token = try await scenario.backend.issueToken("upgraded-laptop", scope: .all)
        let id = try #require(DeviceToken(token)).id
        func round(key: OriginPublicKey?) async throws -> SyncAnswer {
            let open = RoundOpen(
                schemaVersion: UInt32(writer.store.schema.version), replica: writer.store.replicaID,
                clientTime: SystemWallClock().milliseconds(), knowledge: try writer.store.knowledge(), publicKey: key)
            return try await application(scenario.backend).test(.router) { client in
                try await client.postSync(WireFormat.frame(.roundOpen(open)), token: token)
            }
        }
        #expect(try await round(key: nil).status == 200)
        #expect(try await scenario.backend.store.token(id: id)?.publicKey == nil)
        let key = try writer.store.signingKey().publicKey
        #expect(try await round(key: key).status == 200)
        #expect(try await scenario.backend.store.token(id: id)?.publicKey == key)
        let unsigned = try await round(key: nil)
        #expect(unsigned.status == 401 && unsigned.error?.message.contains("not signed") == true)
        #expect(try await round(key: OriginSigningKey().publicKey).status == 401)

        #expect(try await scenario.backend.store.unbindToken(name: "upgraded-laptop"))
        let reinstalled = try scenario.replicas.make("reinstalled")
        _ = try await sync(reinstalled, over: ServiceTransport(service: scenario.backend.service), token: token)
        #expect(
            try await scenario.backend.store.token(id: id)?.publicKey == (try reinstalled.store.signingKey().publicKey))
    }
}
