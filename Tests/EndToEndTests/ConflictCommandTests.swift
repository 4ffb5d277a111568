import Fieldbook
import FieldbookCore
import FieldbookStore
import FieldbookTestSupport
import Foundation
import Testing

/// `conflicts` and `conflicts resolve` on two facilitators' replica files. Changes move
/// between the files in-process (sync and bundles come later); every read and write
/// of the register goes through the command-line tool.
struct ConflictCommandTests {
    /// Merges everything each file lacks from the other, in-process.
    static func exchange(_ first: String, _ second: String) throws {
        let stores = try [first, second].map { try ReplicaStore.open(at: $0, schema: NPQSchema.current) }
        try Exchange.untilQuiescent(stores)
        for store in stores { try store.database.close() }
    }

    @Test func concurrentMarksShowUpAndResolveOnBothLaptops() throws {
        let cli = try CLIRunner()
        let (wang, chen) = (cli.directory.path("wang.sqlite"), cli.directory.path("chen.sqlite"))
        let prepared = try PreparedReplica.make(at: wang)
        try cli.ok("init", "--name", "Chen (Shenzhen laptop)", db: chen)
        try Self.exchange(wang, chen)
        let event = String(prepared.events[0].id.short)

        // Both mark Li Wei offline, differently; Chen marks later.
        try cli.ok("attend", event, "1234567", "present", db: wang)
        Thread.sleep(forTimeInterval: 0.01)
        try cli.ok("attend", event, "1234567", "absent", "--remark", "no show", db: chen)
        try Self.exchange(wang, chen)

        for db in [wang, chen] {
            // A mark's status and remark win or lose together; each that differed has its entry.
            let conflicts = try cli.array("conflicts", db: db)
            #expect(conflicts.compactMap { $0["column"] as? String }.sorted() == ["remark", "status"])
            let status = try #require(conflicts.first { $0["column"] as? String == "status" })
            let winner = try #require(status["winner"] as? [String: Any])
            let loser = try #require(status["loser"] as? [String: Any])
            #expect(winner["value"] as? String == "absent")
            #expect(loser["value"] as? String == "present")
            #expect((status["subject"] as? String)?.contains("Li Wei (1234567)") == true)
            let text = try cli.ok("conflicts", db: db)
            #expect(text.contains("attendance.status  Li Wei (1234567) at \"Module 1\" 2024-03-02T09:00  [open]"))
            #expect(text.contains("resolve: fieldbook conflicts resolve "))
            #expect(try cli.object("status", db: db)["open_conflicts"] as? Int == 2)
        }

        // Wang keeps the losing mark by its status's value ID, using a short conflict ID:
        // that closes the remark's entry too (the mark is written whole).
        let entry = try #require(try cli.array("conflicts", db: wang).first { $0["column"] as? String == "status" })
        let id = try #require(entry["id"] as? String)
        let loserID = try #require((entry["loser"] as? [String: Any])?["value_id"] as? String)
        let resolved = try cli.object(
            "conflicts", "resolve", String(id.suffix(12).prefix(6)), "--keep", loserID, db: wang)
        #expect(resolved["resolved_at"] is String)
        #expect(try cli.ok("conflicts", db: wang) == "No open conflicts.\n")
        let lines = try #require(try cli.object("register", event, db: wang)["lines"] as? [[String: Any]])
        let li = lines.first { ($0["participant"] as? [String: Any])?["trn"] as? String == "1234567" }
        #expect(li?["status"] as? String == "present")

        try Self.exchange(wang, chen)
        for db in [wang, chen] {
            #expect(try cli.array("conflicts", db: db).isEmpty)
            let all = try cli.array("conflicts", "list", "--all", db: db)
            #expect(all.count == 2)
            #expect(all.allSatisfy { $0["resolved_by"] as? String == Fixture.replicaID(1).description })
            #expect(try cli.object("status", db: db)["open_conflicts"] as? Int == 0)
        }
        #expect(try cli.ok("export", "attendance", db: wang) == (try cli.ok("export", "attendance", db: chen)))
        #expect(
            try cli.ok("export", "notes", "--json", db: wang) == (try cli.ok("export", "notes", "--json", db: chen)))
    }
}
