import Fieldbook
import FieldbookCore
import FieldbookServer
import FieldbookSync
import FieldbookTestSupport
import Foundation
import Testing

/// Two real `fieldbook-server serve --postgres URL` processes on one database, and
/// replicas syncing through either at random: everyone converges.
@Suite(.enabled(if: TestPostgres.enabled, TestPostgres.skipReason), .serialized)
struct PostgresEndToEndTests {
    @Test func replicasSyncingThroughTwoServersConverge() async throws {
        let url = try await TestPostgres.makeDatabase()
        let folder = NSTemporaryDirectory() + "fieldbook-e2e-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let servers = [
            try await ServerProcess(["--postgres", url], log: folder + "/server-a.log"),
            try await ServerProcess([], log: folder + "/server-b.log", environment: ["FIELDBOOK_POSTGRES_URL": url]),
        ]
        defer {
            for server in servers { server.stop() }
            try? FileManager.default.removeItem(atPath: folder)
        }
        let healthA = try await servers[0].health()
        let healthB = try await servers[1].health()
        #expect(healthA != nil && healthA == healthB, "one database, one replica")

        // The office issues tokens with the admin command, on the same database.
        let issued = try Executables.run(
            "fieldbook-server", ["token", "issue", "--postgres", url, "--name", "office", "--all"])
        #expect(issued.status == 0, "\(issued.error)")
        let office = issued.output.trimmingCharacters(in: .whitespacesAndNewlines)

        var random = SeededRandom(seed: 7)
        let replicas = try (0..<4).map { index in
            try Fieldbook.create(at: "\(folder)/replica-\(index).sqlite", name: "replica \(index)")
        }
        let roster = replicas[0]
        let cohort = try roster.addCohort(programme: "NPQH", name: "Spring 2024", starts: "2024-02-18")
        let venue = try roster.addVenue(city: "Shanghai", school: "Pudong Bilingual")
        let participants = try (0..<5).map { index in
            try roster.addParticipant(
                cohort: cohort.id.description, .init(name: "Teacher \(index)", trn: "\(1_234_560 + index)"))
        }
        let events = try [1, 2].map { (number: Int) in
            try roster.addEvent(
                cohort: cohort.id.description,
                .init(
                    kind: "face-to-face", title: "Module \(number)", starts: "2024-03-0\(number)T09:00",
                    venue: venue.id.description, module: number))
        }
        let facilitator = try Executables.run(
            "fieldbook-server",
            ["token", "issue", "--postgres", url, "--name", "wang", "--cohort", cohort.id.description])
        #expect(facilitator.status == 0, "\(facilitator.error)")
        // One token per replica: a token is bound to the first replica that syncs with it.
        let moreOffices = try [2, 3].map { index in
            let issued = try Executables.run(
                "fieldbook-server", ["token", "issue", "--postgres", url, "--name", "office-\(index)", "--all"])
            #expect(issued.status == 0, "\(issued.error)")
            return issued.output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let tokens = [office, facilitator.output.trimmingCharacters(in: .whitespacesAndNewlines)] + moreOffices

        func sync(_ replica: Int, through server: Int) async throws {
            let transport = try HTTPSyncTransport(baseURL: servers[server].url)
            defer { Task { try? await transport.shutdown() } }
            try await SyncClient(
                store: replicas[replica].store, transport: transport, token: tokens[replica],
                options: .init(sizes: LinkSizes(frameBytes: 2048, roundBytes: 8192))
            ).run()
        }

        try await sync(0, through: 0)
        // Two facilitators mark the same teacher differently before hearing of each other.
        try await sync(1, through: 1)
        try await sync(2, through: 0)
        try replicas[1].attend(
            event: events[0].id.description, participant: participants[0].id.description, status: "present", remark: nil
        )
        try replicas[2].attend(
            event: events[0].id.description, participant: participants[0].id.description, status: "absent", remark: nil)
        for step in 0..<24 {
            let replica = Int(random.next() % 4)
            try await sync(replica, through: Int(random.next() % 2))
            for _ in 0..<(1 + random.next() % 3) {
                try replicas[replica].attend(
                    event: events[Int(random.next() % 2)].id.description,
                    participant: participants[Int(random.next() % 5)].id.description,
                    status: ["present", "late", "absent", "excused"][Int(random.next() % 4)],
                    remark: random.next() % 3 == 0 ? "step \(step)" : nil)
            }
            if random.next() % 4 == 0 {
                _ = try replicas[replica].addNote("note \(step) by \(replica)", event: events[0].id.description)
            }
            // Two replicas at once, through different servers.
            let other = (replica + 1 + Int(random.next() % 3)) % 4
            async let first: Void = sync(replica, through: step % 2)
            async let second: Void = sync(other, through: (step + 1) % 2)
            _ = try await (first, second)
        }
        for round in 0..<3 {
            for replica in 0..<4 { try await sync(replica, through: (round + replica) % 2) }
        }

        let exports = try replicas.map { replica in
            [
                try replica.exportAttendance(format: .csv), try replica.exportNotes(format: .csv),
                try Fieldbook.json(try replica.conflicts(includeResolved: true)),
            ]
        }
        for (index, export) in exports.enumerated().dropFirst() {
            #expect(export == exports[0], "replica \(index) differs from replica 0")
        }
        #expect(exports[0][0].utf8.filter { $0 == UInt8(ascii: "\n") }.count > 5, "attendance was recorded")
        #expect(try !replicas[0].conflicts(includeResolved: true).isEmpty, "the run produced conflicts")
        for server in servers { #expect(server.stop() == 0, "graceful shutdown") }
    }
}
