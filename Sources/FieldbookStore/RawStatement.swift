import FieldbookCore
import GRDB
import GRDBSQLite

/// Binds, steps and reads a GRDB-prepared statement through the SQLite C API.
///
/// The merge and local-write paths run a handful of statements per change; going
/// through GRDB's `StatementArguments` and `Row` there allocated for every argument and
/// every column. These statements are prepared (and cached) by GRDB and only executed
/// here, so GRDB's own bookkeeping is untouched; blobs and text are bound with
/// `SQLITE_TRANSIENT`, so SQLite copies them before the Swift buffers go away. Public for
/// the server's console, whose grid reads 150,000 rows in one statement.
public struct RawStatement {
    let statement: Statement
    private var handle: OpaquePointer { statement.sqliteStatement }
    private var index: Int32 = 0

    public init(_ statement: Statement) {
        self.statement = statement
        sqlite3_reset(statement.sqliteStatement)
        sqlite3_clear_bindings(statement.sqliteStatement)
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    mutating func bind(_ value: Int64) {
        index += 1
        sqlite3_bind_int64(handle, index, value)
    }

    mutating func bind(_ value: Int64?) {
        index += 1
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    public mutating func bind(_ id: Bytes16) {
        index += 1
        var words = (id.high.bigEndian, id.low.bigEndian)
        withUnsafeBytes(of: &words) { sqlite3_bind_blob(handle, index, $0.baseAddress, 16, Self.transient) }
    }

    mutating func bind(_ key: RowKey) {
        bind(key.first.rawValue)
        if let second = key.second { bind(second.rawValue) }
    }

    public mutating func bind(_ value: Value) {
        index += 1
        switch value {
        case .null:
            sqlite3_bind_null(handle, index)
        case .integer(let integer):
            sqlite3_bind_int64(handle, index, integer)
        case .real(let real):
            sqlite3_bind_double(handle, index, real)
        case .text(var text):
            text.withUTF8 { sqlite3_bind_text(handle, index, $0.baseAddress, Int32($0.count), Self.transient) }
        case .blob(let bytes):
            bytes.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), Self.transient) }
        }
    }

    /// Steps once: `true` when a row is ready, `false` when done.
    public mutating func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code:
            let message = String(cString: sqlite3_errmsg(sqlite3_db_handle(handle)))
            sqlite3_reset(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
    }

    /// Runs a statement that returns no rows.
    mutating func run() throws {
        while try step() {}
        reset()
    }

    /// Ends the current execution. A statement left mid-result keeps its connection's
    /// read snapshot open (later reads on that connection would not see new commits),
    /// so every use ends here.
    public func reset() {
        sqlite3_reset(handle)
    }

    func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    public func optionalInt64(_ column: Int32) -> Int64? {
        isNull(column) ? nil : sqlite3_column_int64(handle, column)
    }

    public func value(_ column: Int32) -> Value {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(handle, column))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(handle, column))
        case SQLITE_TEXT:
            let count = Int(sqlite3_column_bytes(handle, column))
            guard let pointer = sqlite3_column_text(handle, column) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, column))
            guard let pointer = sqlite3_column_blob(handle, column) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: pointer, count: count)))
        default:
            return .null
        }
    }

    /// A 16-byte blob column as an ID, or `nil` for anything else.
    public func id(_ column: Int32) -> Bytes16? {
        guard sqlite3_column_type(handle, column) == SQLITE_BLOB, sqlite3_column_bytes(handle, column) == 16,
            let pointer = sqlite3_column_blob(handle, column)
        else { return nil }
        return Bytes16(bytes: UnsafeRawBufferPointer(start: pointer, count: 16))
    }
}
