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
        try store.store.database.write { db in try db.execute(sql: ConsoleSchema.sqlite) }
    }

    public func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
        try await meter.measure { try await read(sql, arguments) }
    }

    private func read(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
        try await offload { [store] in
            try store.store.database.read { db in
                try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments.map(\.databaseValue))).map {
                    row in
                    SQLRow(
                        Dictionary(
                            row.columnNames.enumerated().map { ($1, SQLValue(row[$0] as DatabaseValue)) },
                            uniquingKeysWith: { first, _ in first }))
                }
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

    public func conflicts(includeResolved: Bool) async throws -> [ConflictView] {
        let conflicts = try await meter.measure { try await ledger(includeResolved: includeResolved) }
        // The winner of each entry is one more lookup (its value lives in its table's row).
        meter.count(conflicts.count)
        return conflicts
    }

    private func ledger(includeResolved: Bool) async throws -> [ConflictView] {
        try await offload { [store] in
            try store.store.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT * FROM conflicts WHERE deleted = 0 AND \(ConsoleSchema.completeEntry)
                        \(includeResolved ? "" : "AND resolved_time IS NULL")
                        ORDER BY resolved_time IS NOT NULL, cell_table, cell_key, cell_column, loser_time, id
                        """)
            }.map { row in
                let key = RowKey(bytes: [UInt8](row[ConflictEntry.Column.rowKey] as Data? ?? Data()))!
                let cell = CellAddress(
                    table: row[ConflictEntry.Column.table], key: key, column: row[ConflictEntry.Column.column])
                let winner = try store.store.version(of: cell)
                let resolved: Int64? = row[ConflictEntry.Column.resolvedTime]
                let loserOrigin = (row[ConflictEntry.Column.origin] as Data?).flatMap { Bytes16(bytes: $0) }
                return ConflictView(
                    id: RowID(Bytes16(bytes: row["id"] as Data)!), table: cell.table, key: key, column: cell.column,
                    winner: ConflictVersion(
                        value: winner.flatMap { $0.value.isNull ? nil : $0.value.description },
                        origin: winner?.stamp.origin, writtenAt: winner?.stamp.time.milliseconds ?? 0),
                    loser: ConflictVersion(
                        value: SQLValue(row[ConflictEntry.Column.value] as DatabaseValue).text,
                        origin: loserOrigin.map(ReplicaID.init),
                        writtenAt: HLC(rawValue: UInt64(bitPattern: row[ConflictEntry.Column.time] ?? 0)).milliseconds),
                    resolvedAt: resolved.map { HLC(rawValue: UInt64(bitPattern: $0)).milliseconds })
            }
        }
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

extension LaptopView {
    /// A laptop from a row of `origin`, `held`, `last_hlc`, `name`.
    init?(row: SQLRow) {
        guard case .blob(let bytes)? = row.values["origin"], let raw = Bytes16(bytes: bytes) else { return nil }
        self.init(
            replicaID: ReplicaID(raw), name: row["name"], changesHeld: row.int("held"),
            lastChange: row.values["last_hlc"]?.integer.map { HLC(rawValue: UInt64(bitPattern: $0)).milliseconds })
    }
}

extension SQLValue {
    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let value): self = .integer(value)
        case .double(let value): self = .real(value)
        case .string(let value): self = .text(value)
        case .blob(let data): self = .blob([UInt8](data))
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
