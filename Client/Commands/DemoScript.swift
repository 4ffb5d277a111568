import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import FieldbookSync
import Foundation

/// The demo's story, step by step, printing what happens.
struct DemoScript {
    let folder: String
    let server: DemoServer
    var url: String { server.url }

    func run() async throws {
        print("Fieldbook demo — server at \(url), replicas in \(folder)\n")

        // The office sets up the cohorts, venues, participants and events.
        let office = try Fieldbook.create(at: folder + "/office.sqlite", name: "Central office")
        let officeToken = try issue("office", cohort: nil)
        let npqh = try office.addCohort(programme: "NPQH", name: "Spring 2024", starts: "2024-02-18")
        let npqlt = try office.addCohort(programme: "NPQLT", name: "Spring 2024", starts: "2024-02-18")
        let shanghai = try office.addVenue(city: "Shanghai", school: "Shanghai Pudong Bilingual School")
        let shenzhen = try office.addVenue(city: "Shenzhen", school: "Shenzhen Futian International School")
        let chengdu = try office.addVenue(city: "Chengdu", school: "Chengdu Jinjiang Academy")
        let headship = [
            ("Li Wei", "1234567", "Shanghai"), ("Chen Jing", "2345678", "Chengdu"), ("Zhang Min", "3456789", "Wuhan"),
            ("Liu Yang", "4567890", "Yantai"),
        ]
        let teaching = [
            ("Wang Fang", "5678901", "Shenzhen"), ("Zhao Lei", "6789012", "Shanghai"), ("Sun Hui", "7890123", "Yantai"),
        ]
        for (name, trn, city) in headship {
            _ = try office.addParticipant(cohort: npqh.id.description, .init(name: name, trn: trn, city: city))
        }
        for (name, trn, city) in teaching {
            _ = try office.addParticipant(cohort: npqlt.id.description, .init(name: name, trn: trn, city: city))
        }
        let module1 = try office.addEvent(
            cohort: npqh.id.description,
            .init(
                kind: "face-to-face", title: "NPQH Module 1: Strategy", starts: "2024-03-02T09:00",
                venue: shanghai.id.description, module: 1))
        let module4 = try office.addEvent(
            cohort: npqh.id.description,
            .init(
                kind: "face-to-face", title: "NPQH Module 4: Curriculum", starts: "2024-05-11T09:00",
                venue: chengdu.id.description, module: 4))
        let teachingDay = try office.addEvent(
            cohort: npqlt.id.description,
            .init(
                kind: "face-to-face", title: "NPQLT Module 1: Teaching", starts: "2024-03-09T09:00",
                venue: shenzhen.id.description, module: 1))
        let webinar = try office.addEvent(
            cohort: npqlt.id.description, .init(kind: "webinar", title: "NPQLT Webinar 1", starts: "2024-03-13T19:30"))
        try await sync("Central office", office, token: officeToken)

        // Three facilitators, each with a token for their cohort, pull the roster.
        let wang = try await facilitator("Wang (Shanghai)", cohort: npqh, file: "shanghai")
        let chen = try await facilitator("Chen (Chengdu)", cohort: npqh, file: "chengdu")
        let zhou = try await facilitator("Zhou (Shenzhen)", cohort: npqlt, file: "shenzhen")

        print("\nOffline: the facilitators record attendance and notes with no network.")
        for (trn, status) in [
            ("1234567", "present"), ("2345678", "present"), ("3456789", "late"), ("4567890", "absent"),
        ] {
            try wang.fieldbook.attend(event: module1.id.description, participant: trn, status: status, remark: nil)
        }
        _ = try wang.fieldbook.addNote("Good discussion of school improvement plans.", event: module1.id.description)
        // Chen also marks Module 1 from a photo of the paper register — and reads Zhang Min as absent.
        try chen.fieldbook.attend(
            event: module1.id.description, participant: "3456789", status: "absent", remark: "not on the paper register"
        )
        try chen.fieldbook.attend(
            event: module4.id.description, participant: "1234567", status: "excused", remark: "school inspection")
        for (trn, status) in [("5678901", "present"), ("6789012", "late"), ("7890123", "present")] {
            try zhou.fieldbook.attend(event: teachingDay.id.description, participant: trn, status: status, remark: nil)
            try zhou.fieldbook.attend(event: webinar.id.description, participant: trn, status: "present", remark: nil)
        }
        _ = try zhou.fieldbook.addNote("Projector failed; used printed slides.", event: teachingDay.id.description)

        print("\nThe network returns: everyone syncs.")
        for replica in [wang, chen, zhou] { try await sync(replica.name, replica.fieldbook, token: replica.token) }
        try await sync("Central office", office, token: officeToken)
        for replica in [wang, chen, zhou] { try await sync(replica.name, replica.fieldbook, token: replica.token) }

        // The server has merged everything: stop it and read its store.
        server.stop()
        let merged = try Fieldbook.open(at: server.database)
        print("\nMerged register, NPQH Module 1 (Shanghai):")
        print(try registerText(merged, event: module1))
        print("\nMerged register, NPQLT Module 1 (Shenzhen):")
        print(try registerText(merged, event: teachingDay))
        print("\nConflict ledger:")
        for item in try merged.conflictItems() {
            func words(_ version: ConflictItem.Version) -> String {
                item.columns.map { version.value($0) ?? "-" }.joined(separator: ", ")
            }
            print("  \(ConflictsCommand.label(item)) of \(item.subject)")
            print("    kept  \(words(item.winner)) (by \(item.winner.authorLabel))")
            print("    lost  \(words(item.loser)) (by \(item.loser.authorLabel)) — kept here for review")
        }
        let exports = try [office, wang.fieldbook, chen.fieldbook].map {
            try $0.exportAttendance(cohort: npqh.id.description, format: .csv)
        }
        let serverExport = try merged.exportAttendance(cohort: npqh.id.description, format: .csv)
        let identical = exports.allSatisfy { $0 == serverExport }
        print(
            "\nNPQH attendance exports on the server, the office, Shanghai and Chengdu are \(identical ? "identical" : "DIFFERENT")."
        )
        print("Replicas: \(folder)")
        if !identical { throw FieldbookError(.internal, "the demo replicas did not converge") }
    }

    struct Replica {
        var name: String
        var fieldbook: Fieldbook
        var token: String
    }

    func facilitator(_ name: String, cohort: Cohort, file: String) async throws -> Replica {
        let fieldbook = try Fieldbook.create(at: "\(folder)/\(file).sqlite", name: name)
        let token = try issue(file, cohort: cohort.id)
        try await sync(name, fieldbook, token: token)
        return Replica(name: name, fieldbook: fieldbook, token: token)
    }

    /// A device token for the office (every cohort, `cohort` nil) or one cohort.
    func issue(_ name: String, cohort: RowID?) throws -> String {
        try server.issueToken(name: name, cohort: cohort)
    }

    func sync(_ name: String, _ fieldbook: Fieldbook, token: String) async throws {
        let transport = try HTTPSyncTransport(baseURL: url)
        let progress: SyncClient.Progress
        do {
            progress = try await SyncClient(store: fieldbook.store, transport: transport, token: token).run()
            try await transport.shutdown()
        } catch {
            try? await transport.shutdown()
            throw error
        }
        let conflicts = progress.conflicts > 0 ? ", \(progress.conflicts) open conflict(s) in its ledger" : ""
        print(
            "  \(name.padding(toLength: 16, withPad: " ", startingAt: 0)) synced: sent \(progress.sent), received \(progress.received)\(conflicts)"
        )
    }

    func registerText(_ fieldbook: Fieldbook, event: Event) throws -> String {
        let (_, lines) = try fieldbook.register(event: event.id.description)
        return CLI.table(
            ["TRN", "NAME", "STATUS", "REMARK"],
            lines.map { [$0.participant.trn ?? "", $0.participant.name, $0.status, $0.remark ?? ""] }
        )
        .split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
    }
}
