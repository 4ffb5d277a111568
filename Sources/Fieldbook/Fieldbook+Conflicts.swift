import FieldbookCore
import FieldbookStore
import Foundation
import GRDB

extension Fieldbook {
    static let conflictResolver = IDResolver(table: ConflictEntry.table, noun: "conflict", listCommand: "conflicts")

    /// Ledger rows whose describing cells have all arrived.
    ///
    /// A ledger entry is six cells, and a bounded sync batch (or a batch delivered out of
    /// causal order) can bring some of them before the rest; until the next sync such a
    /// row has no cell key or column and cannot be shown or resolved. The detecting
    /// replica writes the six cells in one transaction with consecutive sequence numbers,
    /// `loser_value` before `loser_time` and `loser_origin`, and streams are merged
    /// contiguously, so once those two are present the losing value is there too.
    static let completeEntry = """
        cell_table IS NOT NULL AND cell_key IS NOT NULL AND cell_column IS NOT NULL
        AND loser_time IS NOT NULL AND loser_origin IS NOT NULL
        """

    /// The conflict ledger, open entries first, each cell's entries together.
    public func conflicts(includeResolved: Bool = false) throws -> [Conflict] {
        try ledgerRows(includeResolved: includeResolved, orderedBy: "cell_table, cell_key, cell_column, loser_time, id")
            .map(conflict)
    }

    /// The complete, undeleted ledger rows (open ones only unless `includeResolved`),
    /// open ones first, then in `order`.
    func ledgerRows(includeResolved: Bool, orderedBy order: String) throws -> [Row] {
        try store.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM conflicts WHERE deleted = 0 AND \(Self.completeEntry)
                    \(includeResolved ? "" : "AND resolved_time IS NULL")
                    ORDER BY resolved_time IS NOT NULL, \(order)
                    """)
        }
    }

    func conflict(_ row: Row) throws -> Conflict {
        let table: String = row[ConflictEntry.Column.table] ?? ""
        let column: String = row[ConflictEntry.Column.column] ?? ""
        guard let key = RowKey(bytes: [UInt8](row[ConflictEntry.Column.rowKey] as Data? ?? Data())) else {
            throw FieldbookError(.corrupt, "conflict ledger entry has a bad row key")
        }
        let loserStamp = Self.loserStamp(of: row)
        let winner = try store.version(of: CellAddress(table: table, key: key, column: column))
        let resolvedTime: Int64? = row[ConflictEntry.Column.resolvedTime]
        let resolvedBy = (row[ConflictEntry.Column.resolvedBy] as Data?).flatMap { Bytes16(data: $0) }
        return Conflict(
            id: row.rowID("id")!, table: table, column: column, row: key.description,
            subject: try describe(table: table, key: key),
            winner: try winner.map { try version($0.stamp, $0.value) }
                ?? Conflict.Version(valueID: "-", value: nil, author: "-", authorName: nil, writtenAt: "-"),
            loser: try version(loserStamp, Value(row[ConflictEntry.Column.value] as DatabaseValue)),
            resolvedAt: resolvedTime.map { Self.isoTime(HLC(rawValue: UInt64(bitPattern: $0)).milliseconds) },
            resolvedBy: resolvedBy.map { ReplicaID($0).description })
    }

    func version(_ stamp: Stamp, _ value: Value) throws -> Conflict.Version {
        var hash = StableHash128()
        hash.combine(stamp.time.rawValue)
        hash.combine(stamp.origin.rawValue.bytes)
        return Conflict.Version(
            valueID: String(hash.finalize().hex.prefix(6)), value: value.isNull ? nil : value.description,
            author: stamp.origin.short, authorName: try deviceName(stamp.origin),
            writtenAt: Self.isoTime(stamp.time.milliseconds))
    }

    /// Resolves a conflict by writing the kept value to its cell again, now, with
    /// knowledge of every version: this closes every open entry of that cell.
    ///
    /// - Parameter keep: a value ID from the listing, or `winner` / `loser`.
    public func resolveConflict(_ reference: String, keep: String) throws -> Conflict {
        let entry = try store.read { db -> Row in
            let id = try Self.conflictResolver.resolve(reference, in: db, filter: Self.completeEntry)
            return try Row.fetchOne(db, sql: "SELECT * FROM conflicts WHERE id = ?", arguments: [id.rawValue.data])!
        }
        let conflict = try conflict(entry)
        let choice = keep.lowercased()
        let kept: Value
        switch choice {
        case "winner", conflict.winner.valueID:
            kept = try store.version(of: cell(of: conflict))?.value ?? .null
        case "loser", conflict.loser.valueID:
            kept = Value(entry[ConflictEntry.Column.value] as DatabaseValue)
        default:
            throw FieldbookError(
                .invalidInput,
                "--keep '\(keep)' is neither \(conflict.winner.valueID) (winner) nor \(conflict.loser.valueID) (loser)")
        }
        let cell = try cell(of: conflict)
        guard let partition = try store.partition(of: cell.key, in: cell.table) else {
            throw FieldbookError(.notFound, "the conflicting row is not on this replica")
        }
        // A column group (an attendance mark) is kept or replaced whole: keeping the loser
        // keeps its other columns too. Each of them that differed has its own entry with
        // the loser's stamp; one that has none held the same value as the winner, which
        // the group write carries forward.
        var columns = [(cell.column, kept)]
        if kept != (try store.version(of: cell)?.value ?? .null),
            let group = store.schema.table(cell.table)?.group(of: cell.column)
        {
            let stamp = Self.loserStamp(of: entry)
            for member in group where member != cell.column {
                if let lost = try siblingEntry(of: cell, column: member, loser: stamp) {
                    columns.append((member, Value(lost[ConflictEntry.Column.value] as DatabaseValue)))
                }
            }
        }
        try write { tx in
            _ = try tx.set(table: cell.table, key: cell.key, partition: partition, columns: columns)
        }
        return try self.conflict(
            try store.read { db in
                try Row.fetchOne(
                    db, sql: "SELECT * FROM conflicts WHERE id = ?", arguments: [conflict.id.rawValue.data])!
            })
    }

    /// The losing version's stamp a ledger row records; zero parts for a damaged row,
    /// which then shows as such instead of stopping the listing.
    static func loserStamp(of row: Row) -> Stamp {
        Stamp(
            time: HLC(rawValue: UInt64(bitPattern: row[ConflictEntry.Column.time] ?? 0)),
            origin: ReplicaID(Bytes16(data: row[ConflictEntry.Column.origin] ?? Data()) ?? .zero))
    }

    /// The ledger row filed for `column` of `cell`'s row against the losing version
    /// `loser`, if `condition` (SQL on `conflicts`) keeps it. A column group's losing
    /// version leaves one entry per column that differed, each under a key derived from
    /// its cell and the loser's stamp (``ConflictEntry/key(cell:loser:)``), so the
    /// siblings of an entry are found by key, whatever order they arrived in.
    func siblingEntry(of cell: CellAddress, column: String, loser: Stamp, where condition: String = "1") throws
        -> Row?
    {
        let key = ConflictEntry.key(cell: CellAddress(table: cell.table, key: cell.key, column: column), loser: loser)
        return try store.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM conflicts WHERE id = ? AND (\(condition))",
                arguments: [key.first.rawValue.data])
        }
    }

    func cell(of conflict: Conflict) throws -> CellAddress {
        let parts = conflict.row.split(separator: "/").compactMap { RowID($0) }
        let key = parts.count == 2 ? RowKey(parts[0], parts[1]) : RowKey(parts[0])
        return CellAddress(table: conflict.table, key: key, column: conflict.column)
    }

    /// A row in words, for the ledger.
    func describe(table: String, key: RowKey) throws -> String {
        try store.read { db in
            func text(_ sql: String, _ id: RowID) throws -> String? {
                try String.fetchOne(db, sql: sql, arguments: [id.rawValue.data])
            }
            switch table {
            case NPQSchema.Table.attendance:
                let who = try text(
                    "SELECT name || coalesce(' (' || trn || ')', '') FROM participants WHERE id = ?",
                    key.second ?? key.first)
                let what = try text("SELECT '\"' || title || '\" ' || starts FROM events WHERE id = ?", key.first)
                return "\(who ?? "unknown participant") at \(what ?? "unknown event")"
            case NPQSchema.Table.participants:
                return try text("SELECT name FROM participants WHERE id = ?", key.first) ?? key.description
            case NPQSchema.Table.events:
                return try text("SELECT title FROM events WHERE id = ?", key.first) ?? key.description
            case NPQSchema.Table.notes:
                return "note " + key.first.short
            case NPQSchema.Table.cohorts:
                return try text("SELECT name FROM cohorts WHERE id = ?", key.first) ?? key.description
            case NPQSchema.Table.venues:
                return try text("SELECT school FROM venues WHERE id = ?", key.first) ?? key.description
            default:
                return key.description
            }
        }
    }
}
