import Fieldbook
import FieldbookCore

/// What the office console reads and writes, on either store.
///
/// Both stores expose the merged register as plain tables of the same shape (SQLite
/// materializes them; PostgreSQL keeps them from its cells in every merge transaction,
/// see ``PostgresReadTables`` and `docs/CONSOLE.md`), so
/// the register queries are written once, in ``ConsoleStore`` extensions, against
/// ``query(_:_:)``. Only what differs between the two stores (the winning version of a
/// conflicting cell, laptops' sync bookkeeping, writing a resolution, the console's own
/// tables) is implemented per store.
public protocol ConsoleStore: Sendable {
    /// The sync store underneath (tokens, quarantine).
    var syncStore: any SyncStore { get }

    /// Rows of a read-only query; `?` marks each argument, in order.
    func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow]
    /// Runs a statement that changes the console's own tables (never the register).
    func execute(_ sql: String, _ arguments: [SQLValue]) async throws

    /// Every complete conflict ledger entry, open ones first, with both versions.
    func conflicts(includeResolved: Bool) async throws -> [ConflictView]
    /// The current version of each of `cells` the store holds (value as text, author,
    /// time), in one query; a cell the store does not hold is absent.
    func currentVersions(of cells: [CellAddress]) async throws -> [CellAddress: ConflictVersion]
    /// Keeps one version of a conflicting cell, and of the other columns of its column
    /// group (an attendance mark is kept whole): an ordinary replicated write by the
    /// server's replica, which closes the group's ledger entries on every replica that
    /// syncs it.
    ///
    /// - Throws: `.notFound` when the entry is not open.
    func resolveConflict(id: RowID, keepLoser: Bool) async throws
    /// Each replica on record in the register, with what the server holds of it.
    func laptops() async throws -> [LaptopView]
    /// Every mark at `events` for the cohort grid, the column being the event's index in
    /// the slice (its place among the grid's columns); statuses the grid does not know
    /// are left out. Per store, because the fast way differs: SQLite reads the rows in
    /// key order straight into values, PostgreSQL packs each event's marks into one value
    /// on its side. ``gridMarks(events:)`` reads the grid's halves with it at once.
    func gridMarks(of events: ArraySlice<RowID>) async throws -> [GridMarkRow]
    /// Every version the store holds of the fields of `records`: the current ones and
    /// the superseded ones still in the log, in no particular order.
    func versions(of records: [RecordAddress]) async throws -> [RecordChange]
    /// The statements this store ran for the console, and their time.
    var meter: ConsoleQueryMeter { get }
    /// The store's SQL, where it differs.
    var dialect: ConsoleDialect { get }
    /// The overview's counts per cohort, between requests.
    var tallyCache: CohortTallyCache { get }
}

/// A value read from or bound to a console query, on either store.
public enum SQLValue: Hashable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    /// A row ID as its 16 bytes.
    public static func id(_ id: RowID) -> SQLValue { .blob(id.rawValue.bytes) }

    /// The value as text, for display; `nil` for NULL.
    public var text: String? {
        switch self {
        case .null: nil
        case .integer(let value): String(value)
        case .real(let value): String(value)
        case .text(let value): value
        case .blob(let bytes): bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
    }

    /// The value as an integer, or `nil`.
    public var integer: Int64? {
        switch self {
        case .integer(let value): value
        case .real(let value): Int64(value)
        case .text(let value): Int64(value)
        default: nil
        }
    }
}

/// One result row, by column name.
public struct SQLRow: Sendable {
    /// The values by column name.
    public var values: [String: SQLValue]

    /// A row from its values.
    public init(_ values: [String: SQLValue]) {
        self.values = values
    }

    /// A text column (`nil` for NULL or absent).
    public subscript(_ column: String) -> String? { values[column]?.text }

    /// An integer column, 0 when NULL.
    public func int(_ column: String) -> Int { Int(values[column]?.integer ?? 0) }

    /// A row ID column.
    public func id(_ column: String) -> RowID? {
        guard case .blob(let bytes)? = values[column], let raw = Bytes16(bytes: bytes) else { return nil }
        return RowID(raw)
    }
}
