import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookServer
import FieldbookTestSupport
import Foundation
import Synchronization
import Testing

@testable import FieldbookSync

/// The client merges frames that arrive together in one transaction, and frames that
/// trickle in one by one; the end is the same register either way.
struct FrameGroupingTests {
    /// Answers from the service, delivering the body frame by frame with a pause before
    /// each: a slow link.
    struct TricklingTransport: SyncTransport {
        let service: SyncService
        let pause: Duration

        func post(_ body: [UInt8], token: String, receive: (SyncReplyPart) async throws -> Void) async throws {
            let answer = await service.answer(body: body, authorization: "Bearer \(token)")
            try await receive(.head(status: answer.status, contentType: WireFormat.contentType, location: nil))
            var reader = FrameReader()
            reader.append(answer.body)
            var start = 0
            while try reader.next() != nil {
                let end = reader.bytesRead - reader.pendingBytes
                try await Task.sleep(for: pause)
                try await receive(.bytes(Array(answer.body[start..<end])))
                start = end
            }
        }
    }

    /// Syncs `laptop`, returning the sync's progress and how many frames each merge took.
    func sync(_ laptop: Fieldbook, over transport: any SyncTransport, scenario: Scenario) async throws -> (
        SyncClient.Progress, [Int]
    ) {
        let groups = Mutex<(frames: Int, sizes: [Int])>((0, []))
        let progress = try await SyncClient(
            store: laptop.store, transport: transport,
            token: try await scenario.officeToken(for: laptop.store.replicaID),
            options: .testing(frameBytes: 512, roundBytes: 1 << 20), sleep: { _ in }
        ).run { progress in
            groups.withLock {
                if progress.frames > $0.frames { $0.sizes.append(progress.frames - $0.frames) }
                $0.frames = progress.frames
            }
        }
        return (progress, groups.withLock { $0.sizes })
    }

    @Test func framesArrivingTogetherMergeTogetherAndTrickledOnesOneByOne() async throws {
        let scenario = try await Scenario.make()
        _ = try await scenario.officeWithRoster(of: 200)
        let held = try await scenario.backend.knowledge()

        let fast = try scenario.replicas.make("fast")
        let (fastProgress, fastGroups) = try await sync(
            fast, over: ServiceTransport(service: scenario.backend.service), scenario: scenario)
        #expect(fastProgress.frames > 10, "\(fastProgress.frames) frames")
        #expect(fastGroups.count < fastProgress.frames / 4, "one answer in one piece merged in \(fastGroups)")
        #expect(try fast.store.knowledge() == held)

        let slow = try scenario.replicas.make("slow")
        let (slowProgress, slowGroups) = try await sync(
            slow,
            over: TricklingTransport(
                service: scenario.backend.service, pause: RoundReceiver.groupDelay + .milliseconds(50)),
            scenario: scenario)
        #expect(slowProgress.frames == fastProgress.frames)
        #expect(slowGroups.allSatisfy { $0 == 1 }, "frames a pause apart merged together: \(slowGroups)")
        #expect(try slow.store.knowledge() == held)
        #expect(try canonicalDump(slow.store, [.data, .ledger]) == canonicalDump(fast.store, [.data, .ledger]))
    }
}
