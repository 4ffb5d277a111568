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
            // The ledger files an entry per column that differed (status and remark), but
            // `conflicts` shows the mark once, both versions whole.
            let items = try cli.array("conflicts", db: db)
            try #require(items.count == 1, "\(items)")
            let item = items[0]
            #expect(item["columns"] as? [String] == ["status", "remark"])
            #expect((item["entries"] as? [String])?.count == 2)
            let winner = try #require(item["winner"] as? [String: Any])
            let loser = try #require(item["loser"] as? [String: Any])
            #expect((winner["values"] as? [String: Any])?["status"] as? String == "absent")
            #expect((winner["values"] as? [String: Any])?["remark"] as? String == "no show")
            #expect((loser["values"] as? [String: Any])?["status"] as? String == "present")
            #expect((loser["values"] as? [String: Any])?["remark"] is NSNull)
            #expect((item["subject"] as? String)?.contains("Li Wei (1234567)") == true)
            let text = try cli.ok("conflicts", db: db)
            #expect(
                text.contains("attendance mark  Li Wei (1234567) at \"Module 1\" 2024-03-02T09:00  [open]"), "\(text)")
            #expect(text.contains("VERSION  KEEP    STATUS   REMARK"), "\(text)")
            #expect(text.components(separatedBy: "resolve: fieldbook conflicts resolve ").count == 2, "\(text)")
            #expect(try cli.object("status", db: db)["open_conflicts"] as? Int == 1)
        }

        // Wang keeps the losing mark by its value ID, using a short conflict ID: that
        // closes both of the mark's entries (the mark is written whole).
        let item = try #require(try cli.array("conflicts", db: wang).first)
        let id = try #require(item["id"] as? String)
        let loserID = try #require((item["loser"] as? [String: Any])?["value_id"] as? String)
        let resolved = try cli.object(
            "conflicts", "resolve", String(id.suffix(12).prefix(6)), "--keep", loserID, db: wang)
        #expect(resolved["resolved_at"] is String)
        #expect(try cli.ok("conflicts", db: wang) == "No open conflicts.\n")
        let lines = try #require(try cli.object("register", event, db: wang)["lines"] as? [[String: Any]])
        let li = lines.first { ($0["participant"] as? [String: Any])?["trn"] as? String == "1234567" }
        #expect(li?["status"] as? String == "present")
        #expect(li?["remark"] == nil || li?["remark"] is NSNull)

        try Self.exchange(wang, chen)
        for db in [wang, chen] {
            #expect(try cli.array("conflicts", db: db).isEmpty)
            let all = try cli.array("conflicts", "list", "--all", db: db)
            #expect(all.count == 1)
            #expect(all.allSatisfy { $0["resolved_by"] as? String == Fixture.replicaID(1).description })
            #expect(try cli.object("status", db: db)["open_conflicts"] as? Int == 0)
        }
        #expect(try cli.ok("export", "attendance", db: wang) == (try cli.ok("export", "attendance", db: chen)))
        #expect(
            try cli.ok("export", "notes", "--json", db: wang) == (try cli.ok("export", "notes", "--json", db: chen)))
    }

    /// Issue 11: Wang marks a participant excused ("school inspection"), Zhang marks her
    /// absent with no remark, both offline. After they sync, both laptops show one person's
    /// whole mark, flagged in the register and the export until someone keeps one version.
    @Test func theSchoolInspectionCaseIsFlaggedUntilResolved() throws {
        let cli = try CLIRunner()
        let (wang, zhang) = (cli.directory.path("wang.sqlite"), cli.directory.path("zhang.sqlite"))
        let prepared = try PreparedReplica.make(at: wang)
        try cli.ok("init", "--name", "Zhang (Shenzhen laptop)", db: zhang)
        try Self.exchange(wang, zhang)
        let event = String(prepared.events[0].id.short)

        try cli.ok("attend", event, "1234567", "excused", "--remark", "school inspection", db: wang)
        try cli.ok("attend", event, String(prepared.participants[1].id.short), "present", db: wang)
        Thread.sleep(forTimeInterval: 0.01)
        try cli.ok("attend", event, "1234567", "absent", db: zhang)
        try Self.exchange(wang, zhang)

        func line(_ db: String) throws -> [String: Any] {
            let lines = try #require(try cli.object("register", event, db: db)["lines"] as? [[String: Any]])
            return try #require(lines.first { ($0["participant"] as? [String: Any])?["trn"] as? String == "1234567" })
        }
        func exportRows(_ db: String) throws -> [[String: String]] {
            let records = try CSVReader.records(try cli.ok("export", "attendance", "--plain", db: db)).map(\.fields)
            let header = try #require(records.first)
            return records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
        }
        for db in [wang, zhang] {
            let mark = try line(db)
            // Zhang marked later: her whole mark, not "absent  school inspection".
            #expect(mark["status"] as? String == "absent")
            #expect(mark["remark"] == nil || mark["remark"] is NSNull, "a mark nobody made: \(mark)")
            #expect(mark["open_conflict"] as? Bool == true)
            let text = try cli.ok("register", event, db: db)
            let flagged = text.split(separator: "\n").filter { $0.hasPrefix("!") }
            #expect(flagged.count == 2, "the flagged line and the footnote:\n\(text)")
            #expect(flagged.first?.contains("Li Wei") == true, "\(text)")
            #expect(text.contains("1 mark has an open conflict"), "\(text)")
            #expect(text.contains("review with `fieldbook conflicts`"), "\(text)")

            let rows = try exportRows(db)
            #expect(rows.allSatisfy { $0["open_conflict"] != nil })
            #expect(rows.filter { $0["open_conflict"] == "yes" }.map { $0["trn"] } == ["1234567"])

            let items = try cli.array("conflicts", db: db)
            #expect(items.count == 1, "one item for the mark, not one per column: \(items)")
            let loser = try #require(items.first?["loser"] as? [String: Any])
            #expect((loser["values"] as? [String: Any])?["remark"] as? String == "school inspection")
        }
        #expect(try cli.ok("export", "attendance", db: wang) == (try cli.ok("export", "attendance", db: zhang)))

        // Zhang checks with Wang and keeps Wang's mark, remark and all.
        let item = try #require(try cli.array("conflicts", db: zhang).first)
        let loserID = try #require((item["loser"] as? [String: Any])?["value_id"] as? String)
        try cli.ok("conflicts", "resolve", try #require(item["id"] as? String), "--keep", loserID, db: zhang)
        #expect(try line(zhang)["open_conflict"] as? Bool == false)
        try Self.exchange(wang, zhang)
        for db in [wang, zhang] {
            let mark = try line(db)
            #expect(mark["status"] as? String == "excused" && mark["remark"] as? String == "school inspection")
            #expect(mark["open_conflict"] as? Bool == false)
            let text = try cli.ok("register", event, db: db)
            #expect(!text.split(separator: "\n").contains { $0.hasPrefix("!") }, "\(text)")
            #expect(try exportRows(db).allSatisfy { $0["open_conflict"] == "" })
        }
    }
}
