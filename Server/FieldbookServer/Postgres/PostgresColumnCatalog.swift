import FieldbookCore
import Synchronization

/// A replicated column's name: the schema-agnostic log stores it as a small integer.
struct ColumnName: Hashable, Sendable {
    var table: String
    var column: String

    init(_ table: String, _ column: String) {
        self.table = table
        self.column = column
    }

    init(_ cell: CellAddress) {
        self.init(cell.table, cell.column)
    }
}

/// The `fb_columns` rows this process has seen, both ways.
///
/// A row of `fb_columns` never changes or disappears, so every server process caches
/// it freely; a name or an ID it has not seen is looked up (and a name registered) in
/// the database.
final class PostgresColumnCatalog: Sendable {
    private struct State {
        var ids: [ColumnName: Int32] = [:]
        var names: [Int32: ColumnName] = [:]
    }

    private let state = Mutex(State())

    /// The columns of the replicated conflict ledger, which every merge may write.
    static let ledgerColumns: [ColumnName] =
        ReplicatedSchema.ledgerTable.allColumns.map { ColumnName(ConflictEntry.table, $0.name) }

    func add(_ name: ColumnName, id: Int32) {
        state.withLock {
            $0.ids[name] = id
            $0.names[id] = name
        }
    }

    func id(of name: ColumnName) -> Int32? {
        state.withLock { $0.ids[name] }
    }

    func name(of id: Int32) -> ColumnName? {
        state.withLock { $0.names[id] }
    }

    /// The IDs of `names` already known, and the names still to look up.
    func ids(of names: Set<ColumnName>) -> (known: [ColumnName: Int32], missing: [ColumnName]) {
        state.withLock { state in
            var known: [ColumnName: Int32] = [:]
            var missing: [ColumnName] = []
            for name in names {
                if let id = state.ids[name] { known[name] = id } else { missing.append(name) }
            }
            return (known, missing)
        }
    }

    /// The IDs of the ledger table's columns seen so far.
    var ledgerIDs: [Int32] {
        state.withLock { state in state.ids.filter { $0.key.table == ConflictEntry.table }.map(\.value).sorted() }
    }
}
