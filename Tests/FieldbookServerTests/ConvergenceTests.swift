import Fieldbook
import FieldbookCore
import FieldbookServer
import FieldbookSync
import Foundation
import Testing

/// Several replicas write offline and sync in random orders with a real server over
/// loopback HTTP; once everyone has synced until nothing moves, every replica and the
/// server hold the same exports and the same conflict ledger for what they may read.
struct ConvergenceTests {
    static let statuses = ["present", "late", "absent", "excused"]

    @Test(arguments: Seeds.list(defaultCount: 2, base: 0xC0DE_0300))
    func replicasConvergeThroughARealServer(seed: UInt64) async throws {
        var random = SeededRandom(seed: seed)
        let replicas = try Replicas()
        try await withTestServer { server in
            try await withHTTPTransport(server.url) { transport in
                let backend = server.backend
                let officeBook = try replicas.make("office", seed: random.next())
                let office = Device(
                    name: "office", fieldbook: officeBook, token: try await backend.issueToken("office", scope: .all),
                    cohorts: nil)
                let cohorts = [
                    try officeBook.addCohort(programme: "NPQH", name: "Spring A", starts: "2024-02-18"),
                    try officeBook.addCohort(programme: "NPQSL", name: "Spring B", starts: "2024-02-25"),
                ]
                let venue = try officeBook.addVenue(city: "Chengdu", school: "Chengdu Jinjiang Academy")
                var trn = 3_000_000
                for cohort in cohorts {
                    for index in 0..<4 {
                        trn += 1
                        _ = try officeBook.addParticipant(
                            cohort: cohort.id.description, .init(name: "\(cohort.name) teacher \(index)", trn: "\(trn)")
                        )
                    }
                    _ = try officeBook.addEvent(
                        cohort: cohort.id.description,
                        .init(
                            kind: "face-to-face", title: "\(cohort.name) Module 1", starts: "2024-03-02T09:00",
                            venue: venue.id.description, module: 1))
                    _ = try officeBook.addEvent(
                        cohort: cohort.id.description,
                        .init(kind: "webinar", title: "\(cohort.name) Webinar", starts: "2024-03-06T19:30"))
                }
                try await sync(officeBook, over: transport, token: office.token)

                // Two facilitators of cohort A at least, then up to three more of A, B or both.
                let a = cohorts[0].partition
                let b = cohorts[1].partition
                var scopes: [Set<PartitionID>] = [[a], [a]]
                for _ in 0..<Int.random(in: 0...3, using: &random) {
                    scopes.append([[a], [b], [a, b]].randomElement(using: &random)!)
                }
                var devices = [office]
                for (index, scope) in scopes.enumerated() {
                    let name = "facilitator\(index)"
                    let fieldbook = try replicas.make(name, seed: random.next())
                    let token = try await backend.issueToken(name, scope: .cohorts(scope))
                    try await sync(fieldbook, over: transport, token: token)
                    devices.append(Device(name: name, fieldbook: fieldbook, token: token, cohorts: scope))
                }

                // The same participant at the same event, marked differently by two facilitators offline.
                let contested = try officeBook.events(cohort: cohorts[0].id.description)[0]
                let contestedParticipant = try officeBook.participants(cohort: cohorts[0].id.description)[0]
                try devices[1].fieldbook.attend(
                    event: contested.id.description, participant: contestedParticipant.id.description,
                    status: "present", remark: nil)
                try devices[2].fieldbook.attend(
                    event: contested.id.description, participant: contestedParticipant.id.description,
                    status: "absent", remark: "not on the paper register")
                let contestedRow = RowKey(contested.id, contestedParticipant.id).description

                for round in 0..<3 {
                    for device in devices {
                        for _ in 0..<Int.random(in: 1...4, using: &random) {
                            try Self.randomWrite(
                                device, cohorts: cohorts, round: round, avoiding: contestedRow, random: &random)
                        }
                    }
                    let order = devices.shuffled(using: &random)
                    let count = Int.random(in: 1...devices.count, using: &random)
                    for device in order.prefix(count) {
                        try await sync(device.fieldbook, over: transport, token: device.token)
                    }
                }

                // Everyone syncs until a whole pass moves nothing.
                var quiet = false
                for _ in 0..<6 where !quiet {
                    var moved = 0
                    for device in devices.shuffled(using: &random) {
                        let progress = try await sync(device.fieldbook, over: transport, token: device.token)
                        moved += progress.sent + progress.received
                        #expect(progress.unsendable == 0 && progress.quarantined == 0, "seed \(seed)")
                    }
                    quiet = moved == 0
                }
                #expect(quiet, "seed \(seed): replicas still exchange changes after six passes")

                try Self.expectConverged(devices: devices, server: backend, cohorts: cohorts, seed: seed)
                let ledgerRows = try backend.fieldbook.conflicts(includeResolved: true).filter {
                    $0.table == "attendance" && $0.column == "status" && $0.row == contestedRow
                }
                #expect(!ledgerRows.isEmpty, "seed \(seed): the contested mark is not in the server's ledger")
                for device in devices where device.canRead(a) {
                    let entries = try device.fieldbook.conflicts(includeResolved: true).filter {
                        $0.row == contestedRow && $0.column == "status"
                    }
                    #expect(
                        entries.contains { Set([$0.winner.value, $0.loser.value]) == ["present", "absent"] },
                        "seed \(seed): \(device.name) lacks the contested mark in its ledger")
                }
            }
        }
    }

    /// One random offline write within what the device may write.
    static func randomWrite(
        _ device: Device, cohorts: [Cohort], round: Int, avoiding contested: String, random: inout SeededRandom
    ) throws {
        let fieldbook = device.fieldbook
        let writable = cohorts.filter { device.cohorts?.contains($0.partition) ?? true }
        let cohort = writable.randomElement(using: &random)!.id.description
        let events = try fieldbook.events(cohort: cohort)
        let participants = try fieldbook.participants(cohort: cohort)
        let notes = try fieldbook.notes(cohort: cohort)
        switch Int.random(in: 0..<10, using: &random) {
        case 0..<5:
            let event = events.randomElement(using: &random)!
            let participant = participants.randomElement(using: &random)!
            guard RowKey(event.id, participant.id).description != contested else { return }
            let remark = Bool.random(using: &random) ? "\(device.name), round \(round)" : nil
            try fieldbook.attend(
                event: event.id.description, participant: participant.id.description,
                status: statuses.randomElement(using: &random)!, remark: remark)
        case 5, 6:
            _ = try fieldbook.addNote(
                "\(device.name) in round \(round): \(random.next() % 1000)",
                event: events.randomElement(using: &random)!.id.description)
        case 7:
            guard let note = notes.randomElement(using: &random) else { return }
            _ = try fieldbook.editNote(note.id.description, text: "edited by \(device.name) in round \(round)")
        case 8:
            guard let note = notes.randomElement(using: &random) else { return }
            _ = try fieldbook.deleteNote(note.id.description)
        default:
            guard device.cohorts == nil else {
                _ = try fieldbook.addNote("\(device.name) about the cohort", cohort: cohort)
                return
            }
            _ = try fieldbook.addParticipant(cohort: cohort, .init(name: "Late joiner \(random.next() % 10_000)"))
        }
    }

    /// Exports, ledgers and knowledge agree between every device and the server, per partition each may read.
    static func expectConverged(devices: [Device], server: ServerBackend, cohorts: [Cohort], seed: UInt64) throws {
        let merged = server.fieldbook
        let serverKnowledge = try server.store.store.knowledge()
        let serverLedger = try merged.conflicts(includeResolved: true)
        for device in devices {
            let fieldbook = device.fieldbook
            let readable = Set(serverKnowledge.partitions.filter(device.canRead))
            #expect(
                try fieldbook.store.knowledge() == serverKnowledge.restricted(to: readable),
                "seed \(seed): \(device.name) does not hold exactly what the server holds of its partitions")
            for cohort in cohorts where device.canRead(cohort.partition) {
                let id = cohort.id.description
                #expect(
                    try fieldbook.exportAttendance(cohort: id, format: .csv)
                        == merged.exportAttendance(cohort: id, format: .csv),
                    "seed \(seed): \(device.name) attendance of \(cohort.name)")
                #expect(
                    try fieldbook.exportNotes(cohort: id, format: .csv) == merged.exportNotes(cohort: id, format: .csv),
                    "seed \(seed): \(device.name) notes of \(cohort.name)")
            }
            let expectedLedger = try serverLedger.filter { entry in
                try server.store.store.partition(of: RowKey(entry.id), in: "conflicts").map(device.canRead) ?? false
            }
            #expect(
                try fieldbook.conflicts(includeResolved: true) == expectedLedger,
                "seed \(seed): \(device.name)'s conflict ledger differs from the server's")
            let log = try fieldbook.store.logCounts()
            #expect(log.pending == 0 && log.quarantined == 0, "seed \(seed): \(device.name) \(log)")
        }
    }
}
