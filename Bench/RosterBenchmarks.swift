import Fieldbook
import FieldbookCore
import Foundation
import GRDB

/// P10: a roster of 20,000 participants imported by the real `fieldbook participant
/// import` (a new process, as a clerk runs it: CSV decoding, checks of every row, one
/// transaction), against a plain SQLite insert of the same rows into a table with the
/// same columns and indexes, with the same durability (WAL, synchronous=FULL).
struct RosterBenchmarks {
    let folder: String
    let participants: Int
    let client: String

    init(folder: String, quick: Bool, client: String) {
        self.folder = folder
        participants = quick ? 2_000 : 20_000
        self.client = client
    }

    /// The roster as a clerk's file has it: Chinese and English names, TRNs, schools,
    /// cities, e-mails.
    func rosterCSV() -> String {
        let surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵"]
        let cities = ["上海", "深圳", "成都", "烟台", "武汉"]
        var lines = ["name,trn,school,city,email"]
        lines.reserveCapacity(participants + 1)
        for index in 0..<participants {
            let name = index % 3 == 0 ? "Teacher \(index)" : "\(surnames[index % surnames.count])老师\(index)"
            lines.append(
                "\(name),\(2_000_000 + index),Host School \(index % 40),\(cities[index % cities.count]),t\(index)@school.cn"
            )
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    func run() throws -> [BenchResult] {
        let csvPath = folder + "/p10-roster.csv"
        let csv = rosterCSV()
        try csv.write(toFile: csvPath, atomically: true, encoding: .utf8)

        let replicaPath = folder + "/p10-engine.sqlite"
        try? FileManager.default.removeItem(atPath: replicaPath)
        let replica = try Fieldbook.create(at: replicaPath, name: "office")
        _ = try replica.addCohort(programme: "NPQH", name: "Roster", starts: "2026-02-28")
        let engine = try measure {
            try runClient(["participant", "import", "--db", replicaPath, "--cohort", "NPQH Roster", csvPath])
        }
        let imported = try Fieldbook.open(at: replicaPath).store.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM participants WHERE deleted = 0") ?? 0
        }
        guard imported == participants else {
            throw FieldbookError(.internal, "P10: the import left \(imported) of \(participants) participants")
        }

        let plain = try plainInsert(csv: csv)
        print("P10: \(participants) participants: the CLI \(Self.format(engine)), a plain insert \(Self.format(plain))")
        return [
            BenchResult(
                id: "P10", what: "roster import, \(participants) participants, `fieldbook participant import`",
                figure: Self.format(engine), baseline: "\(Self.format(plain)) (plain insert)",
                ratio: engine / plain, goal: "≤ 2.5×")
        ]
    }

    /// The same rows (parsed beforehand: the baseline does no CSV work) inserted into a
    /// plain table in one transaction.
    func plainInsert(csv: String) throws -> Double {
        let path = folder + "/p10-plain.sqlite"
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let database = try PlainSQLite.open(path)
        try database.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE participants (id BLOB NOT NULL PRIMARY KEY, cohort_id BLOB, name TEXT, trn TEXT,
                        school TEXT, city TEXT, email TEXT, deleted INTEGER NOT NULL DEFAULT 0);
                    CREATE INDEX participants_cohort ON participants (cohort_id);
                    CREATE INDEX participants_trn ON participants (trn);
                    """)
        }
        let rows = csv.split(separator: "\r\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        var random = SeededRandom(seed: 10)
        let cohort = RowID.make(milliseconds: 1_700_000_000_000, using: &random).rawValue.data
        let ids = rows.map { _ in RowID.make(milliseconds: 1_700_000_000_000, using: &random).rawValue.data }
        return try measure {
            try database.write { db in
                let statement = try db.makeStatement(
                    sql:
                        "INSERT INTO participants (id, cohort_id, name, trn, school, city, email) VALUES (?, ?, ?, ?, ?, ?, ?)"
                )
                for (row, id) in zip(rows, ids) {
                    try statement.execute(arguments: [id, cohort, row[0], row[1], row[2], row[3], row[4]])
                }
            }
        }
    }

    func runClient(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: client)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FieldbookError(
                .internal,
                "P10: fieldbook \(arguments.joined(separator: " ")) failed: \(String(decoding: message, as: UTF8.self))"
            )
        }
    }

    func measure(_ body: () throws -> Void) throws -> Double {
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func format(_ seconds: Double) -> String { String(format: "%.0f ms", seconds * 1000) }
}
