import Fieldbook
import FieldbookCore
import Foundation
import PostgresNIO

/// The console on the PostgreSQL store: the register through the views of
/// ``PostgresRegisterViews``, conflicts and laptops straight from the cells and streams.
///
/// Resolving a conflict needs the server to author a replicated write (its own stream,
/// sequence and clock), which only the SQLite store's domain layer does today; here the
/// console shows conflicts and refuses to resolve them, saying how to.
public final class PostgresConsoleStore: ConsoleStore {
    let store: PostgresSyncStore
    public var syncStore: any SyncStore { store }
    public var canResolveConflicts: Bool { false }

    private init(store: PostgresSyncStore) {
        self.store = store
    }

    /// The console over a PostgreSQL store: creates (or refreshes) the register views
    /// and the console's tables, under the store's migration lock.
    public static func open(store: PostgresSyncStore) async throws -> PostgresConsoleStore {
        try await store.withConnection { connection in
            try await connection.inTransaction("BEGIN", logger: store.options.logger) {
                try await connection.query(
                    "SELECT pg_advisory_xact_lock(\(PostgresMigrations.migrationLock), 0)",
                    logger: store.options.logger
                ).drain()
                for statement in ConsoleSchema.postgres + PostgresRegisterViews.statements() {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: store.options.logger)
                        .drain()
                }
            }
        }
        return PostgresConsoleStore(store: store)
    }

    public func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
        let query = try Self.postgresQuery(sql, arguments)
        return try await store.withConnection { connection in
            var rows: [SQLRow] = []
            for try await row in try await connection.query(query, logger: self.store.options.logger) {
                var values: [String: SQLValue] = [:]
                for cell in row { values[cell.columnName] = try SQLValue(cell) }
                rows.append(SQLRow(values))
            }
            return rows
        }
    }

    public func execute(_ sql: String, _ arguments: [SQLValue]) async throws {
        let query = try Self.postgresQuery(sql, arguments)
        try await store.withConnection { connection in
            try await connection.query(query, logger: self.store.options.logger).drain()
        }
    }

    public func conflicts(includeResolved: Bool) async throws -> [ConflictView] {
        let rows = try await query(
            """
            SELECT l.id, l.cell_table, l.cell_key, l.cell_column, l.loser_value, l.loser_time, l.loser_origin,
                   l.resolved_time, fb_text(w.value) AS winner_value, w.hlc AS winner_hlc, s.origin AS winner_origin
            FROM conflicts l
            LEFT JOIN fb_columns f ON f.tbl = l.cell_table AND f.col = l.cell_column
            LEFT JOIN fb_cells w ON w.col = f.id AND w.key = l.cell_key
            LEFT JOIN fb_streams s ON s.id = w.stream
            WHERE l.deleted = 0 AND \(ConsoleSchema.completeEntry)
            \(includeResolved ? "" : "AND l.resolved_time IS NULL")
            ORDER BY l.resolved_time IS NOT NULL, l.cell_table, l.cell_key, l.cell_column, l.loser_time, l.id
            """, [])
        return rows.compactMap { row in
            guard let id = row.id("id"), case .blob(let keyBytes)? = row.values["cell_key"],
                let key = RowKey(bytes: keyBytes)
            else { return nil }
            func hlc(_ column: String) -> UInt64? {
                row.values[column]?.integer.map { HLC(rawValue: UInt64(bitPattern: $0)).milliseconds }
            }
            return ConflictView(
                id: id, table: row["cell_table"] ?? "", key: key, column: row["cell_column"] ?? "",
                winner: ConflictVersion(
                    value: row["winner_value"], origin: row.id("winner_origin").map { ReplicaID($0.rawValue) },
                    writtenAt: hlc("winner_hlc") ?? 0),
                loser: ConflictVersion(
                    value: row["loser_value"], origin: row.id("loser_origin").map { ReplicaID($0.rawValue) },
                    writtenAt: hlc("loser_time") ?? 0),
                resolvedAt: hlc("resolved_time"))
        }
    }

    public func resolveConflict(id: RowID, keepLoser: Bool) async throws {
        throw FieldbookError(
            .usage,
            "the console resolves conflicts on the SQLite store only; with PostgreSQL, resolve it on an office laptop (`fieldbook conflicts resolve`) and sync"
        )
    }

    public func laptops() async throws -> [LaptopView] {
        try await query(
            """
            SELECT s.origin, sum(s.held)::int8 AS held, max(c.last) AS last_hlc,
                   (SELECT d.name FROM devices d WHERE d.replica_id = s.origin AND d.deleted = 0
                    ORDER BY d.id LIMIT 1) AS name
            FROM fb_streams s
            LEFT JOIN LATERAL (SELECT max(hlc) AS last FROM fb_cells WHERE stream = s.id) c ON true
            WHERE s.held > 0
            GROUP BY s.origin
            """, []
        ).compactMap(LaptopView.init(row:))
    }

    /// `?` placeholders numbered as PostgreSQL wants them, with their bindings.
    static func postgresQuery(_ sql: String, _ arguments: [SQLValue]) throws -> PostgresQuery {
        var text = ""
        var index = 0
        for character in sql {
            if character == "?" {
                index += 1
                text += "$\(index)"
            } else {
                text.append(character)
            }
        }
        var binds = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument {
            case .null: binds.appendNull()
            case .integer(let value): binds.append(value)
            case .real(let value): binds.append(value)
            case .text(let value): binds.append(value)
            case .blob(let bytes): binds.append(ByteBuffer(bytes: bytes))
            }
        }
        return PostgresQuery(unsafeSQL: text, binds: binds)
    }
}

extension SQLValue {
    init(_ cell: PostgresCell) throws {
        guard cell.bytes != nil else {
            self = .null
            return
        }
        switch cell.dataType {
        case .bytea: self = .blob(Array(try cell.decode(ByteBuffer.self).readableBytesView))
        case .int2, .int4, .int8: self = .integer(try cell.decode(Int64.self))
        case .float4, .float8: self = .real(try cell.decode(Double.self))
        case .bool: self = .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .numeric: self = .real(Double(try cell.decode(String.self)) ?? 0)
        default: self = .text(try cell.decode(String.self))
        }
    }
}
