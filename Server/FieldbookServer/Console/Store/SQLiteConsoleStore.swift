import Fieldbook
import FieldbookCore
import FieldbookStore
import Foundation
import GRDB

/// The console on the embedded store: the register's tables are the replica's own
/// materialized tables; conflicts and resolutions go through the NPQ domain layer, the
/// same path as `fieldbook-server conflicts`.
public final class SQLiteConsoleStore: ConsoleStore {
    let store: SQLiteSyncStore
    public var syncStore: any SyncStore { store }
    public let meter = ConsoleQueryMeter()
    public let tallyCache = CohortTallyCache()
    public var dialect: ConsoleDialect { .sqlite }

    /// The console over a server's SQLite store; creates the console's tables if needed.
    public init(store: SQLiteSyncStore) throws {
        self.store = store
        try store.store.database.write { db in
            try db.execute(sql: ConsoleSchema.sqlite)
            for added in ConsoleSchema.sqliteAddedColumns
            where try !db.columns(in: added.table).contains(where: { $0.name == added.column }) {
                try db.execute(sql: "ALTER TABLE \(added.table) ADD COLUMN \(added.column) \(added.type)")
            }
        }
    }

    public func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
        try await meter.measure { try await read(sql, arguments) }
    }

    /// Reads through the SQLite C API, the column names taken once per statement: a
    /// GRDB `Row` per row, turned into a dictionary, was most of the cost of reading a
    /// cohort's 5,000 participants.
    private func read(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
        try await offload { [store] in
            try store.store.database.read { db in
                let prepared = try db.makeStatement(sql: sql)
                let names = prepared.columnNames
                var statement = RawStatement(prepared)
                defer { statement.reset() }
                for argument in arguments { statement.bind(Value(argument)) }
                var rows: [SQLRow] = []
                while try statement.step() {
                    var values: [String: SQLValue] = [:]
                    values.reserveCapacity(names.count)
                    for (index, name) in names.enumerated() where values[name] == nil {
                        values[name] = SQLValue(statement.value(Int32(index)))
                    }
                    rows.append(SQLRow(values))
                }
                return rows
            }
        }
    }

    public func execute(_ sql: String, _ arguments: [SQLValue]) async throws {
        try await meter.measure { try await write(sql, arguments) }
    }

    private func write(_ sql: String, _ arguments: [SQLValue]) async throws {
        try await offload { [store] in
            try store.store.database.write { db in
                try db.execute(sql: sql, arguments: StatementArguments(arguments.map(\.databaseValue)))
            }
        }
    }

    /// The marks in the attendance table's key order (event, participant), read through
    /// the SQLite C API: a 5,000 × 30 grid is 150,000 rows, and a GRDB `Row` (or `Data`)
    /// per mark was more than half of the page's time.
    public func gridMarks(of events: ArraySlice<RowID>) async throws -> [GridMarkRow] {
        guard !events.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: events.count).joined(separator: ", ")
        let sql = """
            SELECT event_id, participant_id, unicode(status) FROM attendance
            WHERE event_id IN (\(placeholders)) AND deleted = 0 AND status IS NOT NULL
            """
        let column = Dictionary(
            zip(events, events.indices).map { ($0, $1) }, uniquingKeysWith: { first, _ in first })
        return try await meter.measure {
            try await offload { [store] in
                try store.store.database.read { db in
                    var statement = RawStatement(try db.cachedStatement(sql: sql))
                    defer { statement.reset() }
                    for event in events { statement.bind(event.rawValue) }
                    var rows: [GridMarkRow] = []
                    // Rows come grouped by event (the key's order): look its column up once per run.
                    var current: (event: Bytes16, column: Int)?
                    while try statement.step() {
                        // A value of a type the engine never writes there skips the row.
                        guard let letter = statement.optionalInt64(2), let ascii = UInt8(exactly: letter),
                            let mark = GridMark(statusLetter: ascii),
                            let event = statement.id(0), let participant = statement.id(1)
                        else { continue }
                        if current?.event != event {
                            guard let index = column[RowID(event)] else { continue }
                            current = (event, index)
                        }
                        rows.append(GridMarkRow(column: current!.column, participant: RowID(participant), mark: mark))
                    }
                    return rows
                }
            }
        }
    }

    /// The ledger, then every entry's current version in one more query (the winner's
    /// value lives in its table's row, its version in `fb_cells`).
    ///
    /// - Complexity: two queries, whatever the number of entries.
    public func conflicts(includeResolved: Bool) async throws -> [ConflictView] {
        let rows = try await query(
            """
            SELECT id, cell_table, cell_key, cell_column, loser_value, loser_time, loser_origin, resolved_time
            FROM conflicts WHERE deleted = 0 AND \(ConsoleSchema.completeEntry)
            \(includeResolved ? "" : "AND resolved_time IS NULL")
            ORDER BY resolved_time IS NOT NULL, cell_table, cell_key, cell_column, loser_time, id
            """, [])
        let entries = rows.compactMap(ConflictView.init(ledger:))
        let winners = try await currentVersions(of: entries.map(\.cell))
        return entries.map { entry in
            var entry = entry
            entry.winner = winners[entry.cell] ?? ConflictVersion(value: nil, origin: nil, writtenAt: 0)
            return entry
        }
    }

    /// Through each row's `<column>__v` pointer into `fb_cells`: one `UNION ALL` branch per
    /// (table, column) among `cells`, each selecting its rows by key.
    public func currentVersions(of cells: [CellAddress]) async throws -> [CellAddress: ConflictVersion] {
        // SQLite binds at most 32,766 values to a statement.
        if cells.count > 4_000 {
            var versions: [CellAddress: ConflictVersion] = [:]
            for start in stride(from: 0, to: cells.count, by: 4_000) {
                versions.merge(
                    try await currentVersions(of: Array(cells[start..<min(start + 4_000, cells.count)])),
                    uniquingKeysWith: { first, _ in first })
            }
            return versions
        }
        var branches: [String] = []
        var arguments: [SQLValue] = []
        let byColumn = Dictionary(grouping: Set(cells), by: { ColumnName($0) })
        for (name, group) in byColumn.sorted(by: { ($0.key.table, $0.key.column) < ($1.key.table, $1.key.column) }) {
            guard let table = store.store.schema.table(name.table), table.column(name.column) != nil else { continue }
            let keys = group.filter { $0.key.count == table.keyColumns.count }
            guard !keys.isEmpty else { continue }
            let keyColumns = "(" + table.keyColumns.map { "t.\"\($0)\"" }.joined(separator: ", ") + ")"
            let tuple = "(" + Array(repeating: "?", count: table.keyColumns.count).joined(separator: ", ") + ")"
            let selectKeys = table.keyColumns.indices.map { index in
                "t.\"\(table.keyColumns[index])\" AS k\(index)"
            }
            let padding = (table.keyColumns.count..<2).map { "NULL AS k\($0)" }
            branches.append(
                """
                SELECT '\(name.table)' AS tbl, '\(name.column)' AS col, \((selectKeys + padding).joined(separator: ", ")),
                       t."\(name.column)" AS value, c.hlc, r.replica AS origin
                FROM "\(table.name)" t JOIN fb_cells c ON c.id = t."\(name.column)__v"
                JOIN fb_streams s ON s.id = c.id >> 32 JOIN fb_replicas r ON r.id = s.origin
                WHERE \(keyColumns) IN (VALUES \(Array(repeating: tuple, count: keys.count).joined(separator: ", ")))
                """)
            arguments += keys.flatMap { cell in cell.key.parts.map { SQLValue.id($0) } }
        }
        guard !branches.isEmpty else { return [:] }
        var versions: [CellAddress: ConflictVersion] = [:]
        for row in try await query(branches.joined(separator: "\nUNION ALL\n"), arguments) {
            guard let table = row["tbl"], let column = row["col"], let first = row.id("k0") else { continue }
            let key = row.id("k1").map { RowKey(first, $0) } ?? RowKey(first)
            let hlc = UInt64(bitPattern: row.values["hlc"]?.integer ?? 0)
            versions[CellAddress(table: table, key: key, column: column)] = ConflictVersion(
                value: row.values["value"]?.text, origin: row.id("origin").map { ReplicaID($0.rawValue) },
                writtenAt: HLC(rawValue: hlc).milliseconds, hlc: hlc)
        }
        return versions
    }

    public func resolveConflict(id: RowID, keepLoser: Bool) async throws {
        try await offload { [store] in
            _ = try Fieldbook(store: store.store).resolveConflict(id.description, keep: keepLoser ? "loser" : "winner")
        }
    }

    public func laptops() async throws -> [LaptopView] {
        // A stream's changes are one rowid range ordered by sequence (FieldbookStore's LogID),
        // so its newest change is the last row of that range in fb_cells or, superseded
        // since, in fb_history: two index seeks per stream, not a scan of its cells.
        let newest = { (table: String) in
            """
            (SELECT x.hlc FROM \(table) x WHERE x.id BETWEEN (s.id << 32) AND (s.id << 32) + 4294967295
             ORDER BY x.id DESC LIMIT 1)
            """
        }
        let rows = try await query(
            """
            SELECT r.replica AS origin, sum(s.held) AS held,
                   nullif(max(max(coalesce(\(newest("fb_cells")), 0), coalesce(\(newest("fb_history")), 0))), 0)
                       AS last_hlc,
                   (SELECT d.name FROM devices d WHERE d.replica_id = r.replica AND d.deleted = 0
                    ORDER BY d.id LIMIT 1) AS name
            FROM fb_streams s JOIN fb_replicas r ON r.id = s.origin
            WHERE s.held > 0
            GROUP BY r.replica
            """, [])
        return rows.compactMap(LaptopView.init(row:))
    }
}

extension ConflictView {
    /// A ledger entry from a row of the `conflicts` table (`id`, `cell_table`, `cell_key`,
    /// `cell_column`, `loser_value`, `loser_time`, `loser_origin`, `resolved_time`), its
    /// winner not yet known.
    init?(ledger row: SQLRow) {
        guard let id = row.id("id"), case .blob(let keyBytes)? = row.values["cell_key"],
            let key = RowKey(bytes: keyBytes), let table = row["cell_table"], let column = row["cell_column"]
        else { return nil }
        let loserTime = UInt64(bitPattern: row.values["loser_time"]?.integer ?? 0)
        self.init(
            id: id, table: table, key: key, column: column,
            winner: ConflictVersion(value: nil, origin: nil, writtenAt: 0),
            loser: ConflictVersion(
                value: row.values["loser_value"]?.text, origin: row.id("loser_origin").map { ReplicaID($0.rawValue) },
                writtenAt: HLC(rawValue: loserTime).milliseconds, hlc: loserTime),
            resolvedAt: row.values["resolved_time"]?.integer.map { HLC(rawValue: UInt64(bitPattern: $0)).milliseconds })
    }

    /// The conflicting cell.
    var cell: CellAddress { CellAddress(table: table, key: key, column: column) }
}

extension LaptopView {
    /// A laptop from a row of `origin`, `held`, `last_hlc`, `name`.
    init?(row: SQLRow) {
        guard case .blob(let bytes)? = row.values["origin"], let raw = Bytes16(bytes: bytes) else { return nil }
        self.init(
            replicaID: ReplicaID(raw), name: row["name"], changesHeld: row.int("held"),
            lastChange: row.values["last_hlc"]?.integer.map { HLC(rawValue: UInt64(bitPattern: $0)).milliseconds })
    }
}

extension Value {
    init(_ value: SQLValue) {
        switch value {
        case .null: self = .null
        case .integer(let value): self = .integer(value)
        case .real(let value): self = .real(value)
        case .text(let value): self = .text(value)
        case .blob(let bytes): self = .blob(bytes)
        }
    }
}

extension SQLValue {
    init(_ value: Value) {
        switch value {
        case .null: self = .null
        case .integer(let value): self = .integer(value)
        case .real(let value): self = .real(value)
        case .text(let value): self = .text(value)
        case .blob(let bytes): self = .blob(bytes)
        }
    }

    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let value): value.databaseValue
        case .real(let value): value.databaseValue
        case .text(let value): value.databaseValue
        case .blob(let bytes): Data(bytes).databaseValue
        }
    }
}
