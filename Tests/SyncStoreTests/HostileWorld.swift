import Fieldbook
import FieldbookCore
import FieldbookServer
import FieldbookSync
import FieldbookTestSupport
import Foundation

/// A real `fieldbook-server` process with honest replicas that filled it (two cohorts, a
/// venue, participants, events, attendance, a note and a conflict in each cohort), and
/// the tokens a hostile test needs: the rows and IDs the attacks aim at.
final class HostileWorld: Sendable {
    let folder: String
    let server: ServerProcess
    /// `--db PATH` or `--postgres URL`: where the admin commands find the store.
    let storeArguments: [String]
    let office: Fieldbook
    let office2: Fieldbook
    let wang: Fieldbook
    let tokens: [String: String]

    let a: PartitionID
    let b: PartitionID
    let participantA: RowID
    let participantB: RowID
    let eventA: RowID
    let eventB: RowID
    let noteB: RowID
    let venue: RowID
    let programme: RowID
    let ledgerA: RowKey
    let ledgerB: RowKey
    let serverReplica: ReplicaID

    /// The hostile facilitator of cohort A, the hostile office laptop, and the auditor
    /// that reads the server's content with an office token it never pushes with.
    let mallory: HostileClient
    let rogue: HostileClient
    let auditor: HostileClient

    static func make(_ backend: StoreBackend) async throws -> HostileWorld {
        let folder = NSTemporaryDirectory() + "fieldbook-hostile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let storeArguments: [String] =
            switch backend {
            case .sqlite: ["--db", folder + "/server.sqlite"]
            case .postgres: ["--postgres", try await TestPostgres.makeDatabase()]
            }
        let office = try Fieldbook.create(at: folder + "/office.sqlite", name: "office")
        let cohortA = try office.addCohort(programme: "NPQH", name: "Shanghai A", starts: "2024-02-18")
        let cohortB = try office.addCohort(programme: "NPQH", name: "Shenzhen B", starts: "2024-02-18")

        var tokens: [String: String] = [:]
        for (name, scope) in [
            ("office", ["--all"]), ("office2", ["--all"]), ("rogue", ["--all"]), ("auditor", ["--all"]),
            ("wang", ["--cohort", cohortA.id.description]), ("mallory", ["--cohort", cohortA.id.description]),
        ] {
            let issued = try Executables.run(
                "fieldbook-server", ["token", "issue"] + storeArguments + ["--name", name] + scope)
            guard issued.status == 0 else { throw FieldbookError(.internal, "token issue: \(issued.error)") }
            tokens[name] = issued.output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let server = try await ServerProcess(storeArguments, log: folder + "/server.log")
        do {
            return try await HostileWorld(
                folder: folder, server: server, storeArguments: storeArguments, office: office, tokens: tokens,
                cohorts: (cohortA, cohortB))
        } catch {
            _ = server.stop()
            throw error
        }
    }

    private init(
        folder: String, server: ServerProcess, storeArguments: [String], office: Fieldbook, tokens: [String: String],
        cohorts: (Cohort, Cohort)
    ) async throws {
        self.folder = folder
        self.server = server
        self.storeArguments = storeArguments
        self.office = office
        self.tokens = tokens
        let office2 = try Fieldbook.create(at: folder + "/office2.sqlite", name: "office 2")
        let wang = try Fieldbook.create(at: folder + "/wang.sqlite", name: "wang")
        self.office2 = office2
        self.wang = wang
        a = cohorts.0.partition
        b = cohorts.1.partition

        let venue = try office.addVenue(city: "Shanghai", school: "Pudong Bilingual")
        let people = try [cohorts.0, cohorts.1].map {
            try office.addParticipant(cohort: $0.id.description, .init(name: "Teacher of \($0.name)", trn: nil))
        }
        let events = try [cohorts.0, cohorts.1].map {
            try office.addEvent(
                cohort: $0.id.description,
                .init(
                    kind: "face-to-face", title: "Module 1", starts: "2024-03-02T09:00", venue: venue.id.description,
                    module: 1))
        }
        let note = try office.addNote("Room 204", event: events[1].id.description)
        self.venue = venue.id
        participantA = people[0].id
        participantB = people[1].id
        eventA = events[0].id
        eventB = events[1].id
        noteB = note.id

        let transport = try HTTPSyncTransport(baseURL: server.url)
        var random = SystemRandomNumberGenerator()
        mallory = HostileClient(transport: transport, token: tokens["mallory"]!, replica: .random(using: &random))
        rogue = HostileClient(transport: transport, token: tokens["rogue"]!, replica: .random(using: &random))
        let auditor = HostileClient(transport: transport, token: tokens["auditor"]!, replica: .random(using: &random))
        self.auditor = auditor

        // A conflict in each cohort: two replicas mark one teacher differently, offline.
        let url = server.url
        try await Self.sync(office, url: url, token: tokens["office"]!)
        try await Self.sync(office2, url: url, token: tokens["office2"]!)
        try await Self.sync(wang, url: url, token: tokens["wang"]!)
        let (eA, eB) = (events[0].id.description, events[1].id.description)
        let (pA, pB) = (people[0].id.description, people[1].id.description)
        try office.attend(event: eB, participant: pB, status: "present", remark: nil)
        try office2.attend(event: eB, participant: pB, status: "absent", remark: nil)
        try wang.attend(event: eA, participant: pA, status: "late", remark: nil)
        try office2.attend(event: eA, participant: pA, status: "excused", remark: nil)
        for (replica, token) in [(office, "office"), (office2, "office2"), (wang, "wang"), (office, "office")] {
            try await Self.sync(replica, url: url, token: tokens[token]!)
        }

        let content = try await auditor.dump()
        serverReplica = try requireValue(content.changes.first { $0.table == ConflictEntry.table }?.origin)
        programme = try requireValue(content.changes.first { $0.table == NPQSchema.Table.programmes }?.key.first)
        let ledger = content.changes.filter {
            $0.table == ConflictEntry.table && $0.column == ConflictEntry.Column.rowKey
        }
        func entry(about event: RowID) throws -> RowKey {
            try requireValue(ledger.first { $0.value.blob.flatMap(RowKey.init(bytes:))?.first == event }?.key)
        }
        ledgerA = try entry(about: events[0].id)
        ledgerB = try entry(about: events[1].id)
    }

    /// Runs an honest sync of `replica` with the named token.
    func sync(_ replica: Fieldbook, _ token: String) async throws {
        try await Self.sync(replica, url: server.url, token: tokens[token]!)
    }

    static func sync(_ replica: Fieldbook, url: String, token: String) async throws {
        let transport = try HTTPSyncTransport(baseURL: url)
        defer { Task { try? await transport.shutdown() } }
        try await SyncClient(store: replica.store, transport: transport, token: token).run()
    }

    /// Stops the server and removes the files.
    func close() async {
        try? await auditor.transport.shutdown()
        _ = server.stop()
        try? FileManager.default.removeItem(atPath: folder)
    }
}

/// The value, or an error naming what was missing (a setup step that went wrong).
private func requireValue<T>(_ value: T?, _ what: String = #function) throws -> T {
    guard let value else { throw FieldbookError(.internal, "hostile test setup: \(what) not found") }
    return value
}
