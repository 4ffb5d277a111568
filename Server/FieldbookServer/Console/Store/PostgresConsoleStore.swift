import Fieldbook
import FieldbookCore
import Foundation
import PostgresNIO

/// The console on the PostgreSQL store: the register through the tables of
/// ``PostgresReadTables`` (kept current in every merge transaction), conflicts' versions
/// and laptops straight from the cells and streams.
///
/// Keeping a conflict's version is the server's own replicated write
/// (``PostgresSyncStore/writeDecision(_:value:)``), as on the SQLite store.
public final class PostgresConsoleStore: ConsoleStore {
    let store: PostgresSyncStore
    public var syncStore: any SyncStore { store }
    public let meter = ConsoleQueryMeter()
    public let tallyCache = CohortTallyCache()
    public var dialect: ConsoleDialect { .postgres }

    private init(store: PostgresSyncStore) {
        self.store = store
    }

    /// The console over a PostgreSQL store: creates the console's tables and the
    /// register's read tables (or rebuilds those when the schema changed), under the
    /// store's migration lock.
    public static func open(store: PostgresSyncStore) async throws -> PostgresConsoleStore {
        try await store.withConnection { connection in
            try await connection.inTransaction("BEGIN", logger: store.options.logger) {
                try await connection.query(
                    "SELECT pg_advisory_xact_lock(\(PostgresMigrations.migrationLock), 0)",
                    logger: store.options.logger
                ).drain()
                for statement in ConsoleSchema.postgres {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: store.options.logger)
                        .drain()
                }
                try await PostgresReadTables.install(on: connection, logger: store.options.logger)
            }
        }
        return PostgresConsoleStore(store: store)
    }

    public func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
        let query = try Self.postgresQuery(sql, arguments)
        return try await meter.measure {
            try await store.withConnection { connection in
                var rows: [SQLRow] = []
                for try await row in try await connection.query(query, logger: self.store.options.logger) {
                    var values: [String: SQLValue] = [:]
                    for cell in row { values[cell.columnName] = try SQLValue(cell) }
                    rows.append(SQLRow(values))
                }
                return rows
            }
        }
    }

    public func execute(_ sql: String, _ arguments: [SQLValue]) async throws {
        let query = try Self.postgresQuery(sql, arguments)
        try await meter.measure {
            try await store.withConnection { connection in
                try await connection.query(query, logger: self.store.options.logger).drain()
            }
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
            func raw(_ column: String) -> UInt64 { UInt64(bitPattern: row.values[column]?.integer ?? 0) }
            return ConflictView(
                id: id, table: row["cell_table"] ?? "", key: key, column: row["cell_column"] ?? "",
                winner: ConflictVersion(
                    value: row["winner_value"], origin: row.id("winner_origin").map { ReplicaID($0.rawValue) },
                    writtenAt: hlc("winner_hlc") ?? 0, hlc: raw("winner_hlc")),
                loser: ConflictVersion(
                    value: row["loser_value"], origin: row.id("loser_origin").map { ReplicaID($0.rawValue) },
                    writtenAt: hlc("loser_time") ?? 0, hlc: raw("loser_time")),
                resolvedAt: hlc("resolved_time"))
        }
    }

    /// The cells by `(table, column, key)` from a `VALUES` list, each looked up by its
    /// primary key `(col, key)`.
    public func currentVersions(of cells: [CellAddress]) async throws -> [CellAddress: ConflictVersion] {
        guard !cells.isEmpty else { return [:] }
        // PostgreSQL binds at most 65,535 values to a statement.
        if cells.count > 20_000 {
            var versions: [CellAddress: ConflictVersion] = [:]
            for start in stride(from: 0, to: cells.count, by: 20_000) {
                versions.merge(
                    try await currentVersions(of: Array(cells[start..<min(start + 20_000, cells.count)])),
                    uniquingKeysWith: { first, _ in first })
            }
            return versions
        }
        let rows = try await query(
            """
            SELECT v.tbl, v.col, v.key, fb_text(c.value) AS value, c.hlc, s.origin
            FROM (VALUES \(cells.map { _ in "(?::text, ?::text, ?::bytea)" }.joined(separator: ", "))) AS v(tbl, col, key)
            JOIN fb_columns f ON f.tbl = v.tbl AND f.col = v.col
            JOIN fb_cells c ON c.col = f.id AND c.key = v.key
            JOIN fb_streams s ON s.id = c.stream
            """,
            cells.flatMap { cell in [.text(cell.table), .text(cell.column), .blob(cell.key.bytes)] })
        var versions: [CellAddress: ConflictVersion] = [:]
        for row in rows {
            guard let table = row["tbl"], let column = row["col"], case .blob(let bytes)? = row.values["key"],
                let key = RowKey(bytes: bytes)
            else { continue }
            let hlc = UInt64(bitPattern: row.values["hlc"]?.integer ?? 0)
            versions[CellAddress(table: table, key: key, column: column)] = ConflictVersion(
                value: row["value"], origin: row.id("origin").map { ReplicaID($0.rawValue) },
                writtenAt: HLC(rawValue: hlc).milliseconds, hlc: hlc)
        }
        return versions
    }

    /// Writes the kept version of the entry's whole column group (an attendance mark's
    /// status and remark) under one stamp, as the SQLite store's domain call does: a
    /// loser's other columns are in the ledger under the same loser stamp, or, when that
    /// column filed no entry, held the winner's value, which is kept as it is.
    public func resolveConflict(id: RowID, keepLoser: Bool) async throws {
        guard let conflict = try await conflicts(includeResolved: false).first(where: { $0.id == id }) else {
            throw FieldbookError(.notFound, "no open conflict \(id)")
        }
        let group = NPQSchema.current.table(conflict.table)?.group(of: conflict.column) ?? [conflict.column]
        var cells: [(cell: CellAddress, value: Value?)] = []
        for column in group {
            let cell = CellAddress(table: conflict.table, key: conflict.key, column: column)
            guard keepLoser, let origin = conflict.loser.origin else {
                cells.append((cell, nil))
                continue
            }
            // The values as stored (typed), not as the page shows them.
            let entry = ConflictEntry.key(
                cell: cell, loser: Stamp(time: HLC(rawValue: conflict.loser.hlc), origin: origin))
            let lost = try await meter.measure {
                try await store.value(
                    of: CellAddress(table: ConflictEntry.table, key: entry, column: ConflictEntry.Column.value))
            }
            cells.append((cell, lost))
        }
        _ = try await meter.measure(statements: 2 + group.count) {
            try await store.writeDecision(cells)
        }
    }

    /// Each event's marks packed into one `bytea` on the server's side (participant ID
    /// and the status's first byte per mark, ``GridMark/unpack(_:column:)``; the padding
    /// keeps an empty status one byte long): a 5,000 × 30 grid is
    /// 30 rows on the wire instead of 150,000 (each of which PostgresNIO decodes on its own).
    public func gridMarks(of events: ArraySlice<RowID>) async throws -> [GridMarkRow] {
        guard !events.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: events.count).joined(separator: ", ")
        let column = Dictionary(zip(events, events.indices).map { ($0, $1) }, uniquingKeysWith: { first, _ in first })
        var rows: [GridMarkRow] = []
        for row in try await query(
            """
            SELECT event_id, string_agg(participant_id || substring(convert_to(status || ' ', 'UTF8') from 1 for 1), ''::bytea) AS marks
            FROM attendance WHERE event_id IN (\(placeholders)) AND deleted = 0 AND status IS NOT NULL
            GROUP BY event_id
            """, events.map { .id($0) })
        {
            guard let event = row.id("event_id"), let index = column[event],
                case .blob(let packed)? = row.values["marks"]
            else { continue }
            rows += GridMark.unpack(packed, column: index)
        }
        return rows
    }

    public func laptops() async throws -> [LaptopView] {
        // The newest change of a stream is its highest sequence, in fb_cells or, superseded
        // since, in fb_history: one index seek in each ((stream, seq) indexes both).
        try await query(
            """
            SELECT s.origin, sum(s.held)::int8 AS held, max(greatest(c.hlc, h.hlc)) AS last_hlc,
                   (SELECT d.name FROM devices d WHERE d.replica_id = s.origin AND d.deleted = 0
                    ORDER BY d.id LIMIT 1) AS name
            FROM fb_streams s
            LEFT JOIN LATERAL (SELECT hlc FROM fb_cells WHERE stream = s.id ORDER BY seq DESC LIMIT 1) c ON true
            LEFT JOIN LATERAL (SELECT hlc FROM fb_history WHERE stream = s.id ORDER BY seq DESC LIMIT 1) h ON true
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
