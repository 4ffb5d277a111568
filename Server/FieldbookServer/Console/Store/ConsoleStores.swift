import FieldbookCore

/// The console's view of a sync store, whichever kind it is.
public enum ConsoleStores {
    /// The console store over `store`, creating the console's tables (and, on
    /// PostgreSQL, the register's read tables and their triggers) if needed.
    ///
    /// - Throws: `.usage` for a store kind the console does not know.
    public static func open(_ store: any SyncStore) async throws -> any ConsoleStore {
        switch store {
        case let sqlite as SQLiteSyncStore: return try SQLiteConsoleStore(store: sqlite)
        case let postgres as PostgresSyncStore: return try await PostgresConsoleStore.open(store: postgres)
        default: throw FieldbookError(.usage, "the office console needs the SQLite or the PostgreSQL store")
        }
    }
}
