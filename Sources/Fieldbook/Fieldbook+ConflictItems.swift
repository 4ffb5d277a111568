import FieldbookCore
import FieldbookStore
import Foundation
import GRDB

extension Fieldbook {
    /// The conflicts as people review them: one item per losing version of a value, a
    /// column group's entries together (a contested attendance mark is one item, with its
    /// status and remark), open items first.
    ///
    /// The ledger keeps its entries per cell; this only groups them for reading.
    /// ``resolveConflict(_:keep:)`` with any of an item's entries keeps or replaces the
    /// whole value, which closes all of them.
    public func conflictItems(includeResolved: Bool = false) throws -> [ConflictItem] {
        let rows = try ledgerRows(
            includeResolved: includeResolved,
            orderedBy: "cell_table, cell_key, loser_time, loser_origin, cell_column, id")
        var seen: Set<RowID> = []
        var items: [ConflictItem] = []
        for row in rows {
            guard let id = row.rowID("id"), !seen.contains(id) else { continue }
            let item = try conflictItem(row)
            seen.formUnion(item.entries)
            items.append(item)
        }
        // Open first; an item is open while any of its entries is.
        return items.filter(\.isOpen) + (includeResolved ? items.filter { !$0.isOpen } : [])
    }

    /// The item a ledger entry belongs to (after `conflicts resolve`, to show it whole).
    public func conflictItem(entry: RowID) throws -> ConflictItem {
        let row = try store.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM conflicts WHERE id = ?", arguments: [entry.rawValue.data])
        }
        guard let row else { throw FieldbookError(.notFound, "no conflict \(entry.short) on this replica") }
        return try conflictItem(row)
    }

    /// Builds the item of a ledger row: its group's columns, the sibling entries filed for
    /// the same losing version (found by their derived keys, whatever their state), and
    /// both versions whole. A column with no entry held the same value in both versions.
    func conflictItem(_ row: Row) throws -> ConflictItem {
        let first = try conflict(row)
        let cell = try self.cell(of: first)
        let loserStamp = Self.loserStamp(of: row)
        let columns = store.schema.table(cell.table)?.group(of: cell.column) ?? [cell.column]

        var entries: [(column: String, entry: Conflict)] = []
        for column in columns {
            if let found = try siblingEntry(
                of: cell, column: column, loser: loserStamp, where: "deleted = 0 AND \(Self.completeEntry)")
            {
                entries.append((column, try conflict(found)))
            }
        }
        if entries.isEmpty { entries = [(cell.column, first)] }

        var winnerValues: [String: String?] = [:]
        var winnerStamp: Stamp?
        for column in columns {
            let current = try store.version(of: CellAddress(table: cell.table, key: cell.key, column: column))
            winnerValues[column] = current.flatMap { $0.value.isNull ? nil : $0.value.description }
            if winnerStamp == nil || column == cell.column { winnerStamp = current?.stamp ?? winnerStamp }
        }
        var loserValues = winnerValues
        for (column, entry) in entries { loserValues[column] = entry.loser.value }

        func whole(_ version: Conflict.Version, _ values: [String: String?]) -> ConflictItem.Version {
            ConflictItem.Version(
                valueID: version.valueID, values: values, author: version.author, authorName: version.authorName,
                writtenAt: version.writtenAt)
        }
        let winner =
            try winnerStamp.map { try version($0, .null) }
            ?? Conflict.Version(valueID: "-", value: nil, author: "-", authorName: nil, writtenAt: "-")
        let resolved = entries.allSatisfy { !$0.entry.isOpen }
        let lastResolved = entries.max { ($0.entry.resolvedAt ?? "") < ($1.entry.resolvedAt ?? "") }?.entry
        return ConflictItem(
            id: entries[0].entry.id, entries: entries.map(\.entry.id), table: cell.table, columns: columns,
            row: first.row, subject: first.subject, winner: whole(winner, winnerValues),
            loser: whole(first.loser, loserValues), resolvedAt: resolved ? lastResolved?.resolvedAt : nil,
            resolvedBy: resolved ? lastResolved?.resolvedBy : nil)
    }
}
