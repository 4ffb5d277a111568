import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookServer
import FieldbookSync
import Foundation
import HummingbirdTesting
import Testing

/// What each kind of token may read and write through `POST /v1/sync`.
struct SyncServiceScopeTests {
    enum TokenKind: String, CaseIterable, Sendable, CustomStringConvertible {
        case office, facilitatorA, facilitatorAB, revoked
        var description: String { rawValue }
    }

    enum Operation: String, CaseIterable, Sendable, CustomStringConvertible {
        case pullA, pullB, pullShared, pushA, pushB, pushShared
        var description: String { rawValue }
        var isPush: Bool { [.pushA, .pushB, .pushShared].contains(self) }
    }

    @Test(arguments: TokenKind.allCases, Operation.allCases)
    func tokensOpenExactlyTheirPartitions(kind: TokenKind, operation: Operation) async throws {
        let scenario = try await Scenario.make()
        let a = scenario.cohortA.partition
        let b = scenario.cohortB.partition
        let scope: TokenScope =
            switch kind {
            case .office: .all
            case .facilitatorA, .revoked: .cohorts([a])
            case .facilitatorAB: .cohorts([a, b])
            }
        let token = try await scenario.backend.issueToken("device", scope: scope)
        if kind == .revoked { try await scenario.backend.revoke("device") }
        let target: PartitionID =
            switch operation {
            case .pullA, .pushA: a
            case .pullB, .pushB: b
            case .pullShared, .pushShared: .shared
            }

        let request: TestRequest
        var pushedNotes: [RowID] = []
        if operation.isPush {
            let writer = try await scenario.writer()
            var partitions: Set<PartitionID> = [target]
            switch operation {
            case .pushA: pushedNotes.append(try writer.addNote("A note", event: scenario.eventA.id.description).id)
            case .pushB: pushedNotes.append(try writer.addNote("B note", event: scenario.eventB.id.description).id)
            default: _ = try writer.addVenue(city: "Wuhan", school: "Wuhan No. 2 High School")
            }
            if !scope.canWrite(target) && scope.canWrite(a) {
                // An in-scope change in the same batch must not slip through either.
                pushedNotes.append(try writer.addNote("in scope", event: scenario.eventA.id.description).id)
                partitions.insert(a)
            }
            request = try await scenario.pushRequest(from: writer, partitions: partitions)
            #expect(Set(request.batch.changes.map(\.partition)) == partitions)
        } else {
            request = scenario.pullRequest()
        }
        let before = try await scenario.backend.knowledge()

        let answer = try await application(scenario.backend).test(.router) { client in
            try await client.postSync(request.framed, token: token)
        }
        let after = try await scenario.backend.knowledge()
        let notes = try scenario.backend.fieldbook.notes().map(\.id)

        if kind == .revoked {
            #expect(answer.status == 401)
            #expect(answer.error?.code == .badToken)
            #expect(after == before)
            return
        }
        if operation.isPush && !scope.canWrite(target) {
            #expect(answer.status == 403)
            #expect(answer.error?.code == .scopeDenied)
            #expect(after == before, "a refused push merged something")
            #expect(pushedNotes.allSatisfy { !notes.contains($0) }, "an in-scope change of a refused push arrived")
            return
        }
        #expect(answer.status == 200)
        let response = try #require(answer.response, "\(answer.error?.message ?? "not a response")")
        #expect(response.writablePartitions == scope.writable)
        // Nothing from a partition the token cannot read ever reaches the device.
        let sent = Set(response.batch.changes.map(\.partition) + response.batch.ranges.map(\.stream.partition))
        #expect(sent.allSatisfy(scope.canRead), "sent \(sent) to a \(kind) token")
        #expect(response.knowledge.partitions.allSatisfy(scope.canRead))
        if operation.isPush {
            #expect(response.accepted.applied == UInt32(request.batch.changes.count))
            #expect(after.total == before.total + UInt64(request.batch.changes.count))
            #expect(pushedNotes.allSatisfy(notes.contains))
        } else {
            #expect(sent.contains(target) == scope.canRead(target))
            #expect(response.knowledge.partitions.contains(target) == scope.canRead(target))
            if scope.canRead(target) {
                #expect(response.knowledge[target] == before[target], "the whole partition is described")
            }
        }
    }

    @Test
    func clientKeepsChangesItsTokenCannotWriteLocal() async throws {
        let scenario = try await Scenario.make()
        let transport = ServiceTransport(service: scenario.backend.service)
        let token = try await scenario.backend.issueToken("wang", scope: .cohorts([scenario.cohortA.partition]))
        let wang = try scenario.replicas.make("wang")
        let first = try await sync(wang, over: transport, token: token)
        #expect(first.unsendable == 0)
        #expect(try wang.cohorts().map(\.id) == [scenario.cohortA.id], "cohort B reached a cohort A facilitator")
        #expect(try !wang.store.knowledge().partitions.contains(scenario.cohortB.partition))
        #expect(try wang.venues().map(\.id) == [scenario.venue.id], "shared data is readable")

        // Offline: a venue (shared, read-only for this token) and a note in cohort A.
        _ = try wang.addVenue(city: "Yantai", school: "Yantai No. 2 Middle School")
        let note = try wang.addNote("Room changed to the library.", event: scenario.eventA.id.description)
        let progress = try await sync(wang, over: transport, token: token)
        #expect(
            progress.unsendable == 4, "the venue's city and school, and the laptop's name in shared data, stay local")
        #expect(progress.sent == 7, "the note's five columns and the laptop's name in cohort A")
        #expect(try scenario.backend.fieldbook.notes().map(\.id).contains(note.id))
        #expect(try !scenario.backend.fieldbook.venues().contains { $0.city == "Yantai" })
        #expect(try wang.venues().contains { $0.city == "Yantai" }, "kept locally, never dropped")

        // Syncing again neither fails nor sends the venue.
        let again = try await sync(wang, over: transport, token: token)
        #expect(again.sent == 0)
        #expect(again.unsendable == 4)
    }
}
