import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookServer
import FieldbookSync
import Foundation
import Synchronization
import Testing

/// A facilitator's laptop trusts no more of a server's answer than its token opens: an
/// answer rewritten on the way (or from the wrong server) cannot widen the remembered
/// scope, nor slip in another cohort's changes.
struct LyingServerTests {
    /// Answers from the real `SyncService`, rewritten frame by frame before the client
    /// sees them: what a man in the middle of plain HTTP, or an impostor server, can send.
    final class TamperingTransport: SyncTransport {
        let service: SyncService
        /// Rewrites one answer's frames; the end's counts are fixed up afterwards, so only
        /// the lie itself can give it away.
        let tamper: @Sendable ([Message]) -> [Message]
        private let tampered = Mutex(0)

        init(service: SyncService, tamper: @escaping @Sendable ([Message]) -> [Message]) {
            self.service = service
            self.tamper = tamper
        }

        /// Answers rewritten so far.
        var answers: Int { tampered.withLock { $0 } }

        func post(_ body: [UInt8], token: String, receive: (SyncReplyPart) async throws -> Void) async throws {
            let answer = await service.answer(body: body, authorization: "Bearer \(token)")
            try await receive(.head(status: answer.status, contentType: WireFormat.contentType, location: nil))
            guard answer.status == 200 else { return try await receive(.bytes(answer.body)) }
            var reader = FrameReader()
            reader.append(answer.body)
            var frames: [Message] = []
            while let frame = try reader.next() { frames.append(frame) }
            frames = tamper(frames)
            tampered.withLock { $0 += 1 }
            let batches = frames.compactMap { frame -> ChangeBatch? in
                if case .changes(let batch) = frame { return batch }
                return nil
            }
            let bytes = frames.flatMap { frame -> [UInt8] in
                guard case .roundEnd(var end) = frame else { return WireFormat.frame(frame) }
                end.frames = UInt64(batches.count)
                end.changes = UInt64(batches.reduce(0) { $0 + $1.changes.count })
                return WireFormat.frame(.roundEnd(end))
            }
            try await receive(.bytes(bytes))
        }
    }

    /// A facilitator of cohort A whose laptop has synced once, honestly.
    func facilitatorA(in scenario: Scenario) async throws -> (fieldbook: Fieldbook, token: String) {
        let token = try await scenario.backend.issueToken("wang", scope: .cohorts([scenario.cohortA.partition]))
        let laptop = try scenario.replicas.make("wang")
        try await sync(laptop, over: ServiceTransport(service: scenario.backend.service), token: token)
        #expect(try laptop.store.knowledge().partitions.allSatisfy { $0 == scenario.cohortA.partition || $0.isShared })
        return (laptop, token)
    }

    /// The heads of an answer rewritten to announce `writable`.
    static func announcing(_ writable: [PartitionID]?) -> @Sendable ([Message]) -> [Message] {
        { frames in
            frames.map { frame in
                guard case .roundHead(var head) = frame else { return frame }
                head.writablePartitions = writable
                return .roundHead(head)
            }
        }
    }

    @Test(arguments: [false, true])
    func anAnswerThatWidensTheTokenIsRefusedBeforeAnythingMerges(toEverything: Bool) async throws {
        let scenario = try await Scenario.make()
        let (laptop, token) = try await facilitatorA(in: scenario)
        // The office writes more into cohort A, so the lying answer has something to merge.
        _ = try scenario.office.fieldbook.addParticipant(
            cohort: scenario.cohortA.id.description, .init(name: "Li Na", trn: "1000003"))
        try await sync(
            scenario.office.fieldbook, over: ServiceTransport(service: scenario.backend.service),
            token: scenario.office.token)
        let before = try laptop.store.knowledge()
        let storedScope = try laptop.store.setting(SyncScope.settingKey)

        let widened = toEverything ? nil : [scenario.cohortA.partition, scenario.cohortB.partition]
        let liar = TamperingTransport(service: scenario.backend.service, tamper: Self.announcing(widened))
        let error = await #expect(throws: FieldbookError.self) {
            try await sync(laptop, over: liar, token: token)
        }
        #expect(error?.code == .scopeDenied)
        #expect(error?.message.contains("widens this laptop's token from 1 cohort to") == true)
        #expect(try laptop.store.knowledge() == before)
        #expect(try laptop.store.setting(SyncScope.settingKey) == storedScope)

        // The honest server is still believed, and the laptop catches up.
        try await sync(laptop, over: ServiceTransport(service: scenario.backend.service), token: token)
        #expect(try laptop.store.knowledge() != before)
    }

    /// The laptop pins the keys its server bound for the origins it receives; an answer
    /// that later names another key for one of them is refused before anything merges.
    @Test func anAnswerNamingAnotherKeyForAKnownOriginIsRefused() async throws {
        let scenario = try await Scenario.make()
        let (laptop, token) = try await facilitatorA(in: scenario)
        let office = scenario.office.fieldbook.store
        #expect(try laptop.store.pinnedKey(of: office.replicaID) == (try office.signingKey().publicKey))

        _ = try scenario.office.fieldbook.addParticipant(
            cohort: scenario.cohortA.id.description, .init(name: "Li Na", trn: "1000003"))
        _ = try await sync(
            scenario.office.fieldbook, over: ServiceTransport(service: scenario.backend.service),
            token: scenario.office.token)
        let before = try laptop.store.knowledge()
        let impostor = OriginSigningKey().publicKey
        let liar = TamperingTransport(service: scenario.backend.service) { frames in
            frames.map { frame in
                guard case .roundHead(var head) = frame else { return frame }
                head.originKeys[office.replicaID] = impostor
                return .roundHead(head)
            }
        }
        let error = await #expect(throws: FieldbookError.self) { try await sync(laptop, over: liar, token: token) }
        #expect(error?.code == .forged, "\(error?.message ?? "synced")")
        #expect(error?.message.contains("the server's answer names a key") == true)
        #expect(try laptop.store.knowledge() == before)
        #expect(try laptop.store.pinnedKey(of: office.replicaID) == (try office.signingKey().publicKey))
    }

    @Test func anAnswerMayNarrowTheScope() async throws {
        let scenario = try await Scenario.make()
        let (laptop, token) = try await facilitatorA(in: scenario)
        let narrowed = TamperingTransport(service: scenario.backend.service, tamper: Self.announcing([]))
        try await sync(laptop, over: narrowed, token: token)
        #expect(try laptop.store.setting(SyncScope.settingKey) == SyncScope.only([]).storedForm)
    }

    @Test func aNewTokenLearnsItsOwnScope() async throws {
        let scenario = try await Scenario.make()
        let (laptop, _) = try await facilitatorA(in: scenario)
        let both = try await scenario.backend.issueToken(
            "wang-both", scope: .cohorts([scenario.cohortA.partition, scenario.cohortB.partition]))
        // `wang` is bound to this laptop; the office re-issued it a token for both cohorts.
        try await sync(laptop, over: ServiceTransport(service: scenario.backend.service), token: both)
        #expect(try laptop.store.knowledge().partitions.contains(scenario.cohortB.partition))
        #expect(try laptop.store.setting(SyncScope.tokenKey) == SyncScope.tokenID(of: both))
    }

    @Test func anotherCohortsChangesSlippedIntoAnAnswerAreRefusedWhole() async throws {
        let scenario = try await Scenario.make()
        let (laptop, token) = try await facilitatorA(in: scenario)
        _ = try scenario.office.fieldbook.addParticipant(
            cohort: scenario.cohortA.id.description, .init(name: "Li Na", trn: "1000003"))
        try await sync(
            scenario.office.fieldbook, over: ServiceTransport(service: scenario.backend.service),
            token: scenario.office.token)
        let cohortB = try scenario.office.fieldbook.store.changes(
            for: Knowledge(), partitions: [scenario.cohortB.partition], byteBudget: .max
        ).batch
        #expect(!cohortB.changes.isEmpty)

        // Cohort B's changes ride inside a frame with cohort A's new ones, then (once those
        // merged honestly) in a frame of their own.
        for mixed in [true, false] {
            let before = try laptop.store.knowledge()
            let liar = TamperingTransport(service: scenario.backend.service) { frames in
                var out: [Message] = []
                for frame in frames {
                    if case .changes(var batch) = frame, mixed {
                        batch.changes += cohortB.changes
                        batch.ranges += cohortB.ranges
                        out.append(.changes(batch))
                        continue
                    }
                    if case .roundEnd = frame, !mixed { out.append(.changes(cohortB)) }
                    out.append(frame)
                }
                return out
            }
            let error = await #expect(throws: FieldbookError.self) {
                try await sync(laptop, over: liar, token: token)
            }
            #expect(error?.code == .scopeDenied)
            #expect(error?.message.contains("which this laptop's token does not open") == true)
            #expect(liar.answers > 0)
            let held = try laptop.store.knowledge()
            #expect(!held.partitions.contains(scenario.cohortB.partition))
            if mixed { #expect(held == before, "a frame mixing both cohorts merged part of itself") }
            // The honest frames that came before the lie in the same answer are kept.
            if !mixed {
                #expect(try laptop.participants().contains { $0.name == "Li Na" }, "cohort A's frames before the lie")
            }
        }
    }
}
