import GRDB

/// The baselines' plain SQLite database, with the replica's durability: WAL, and every
/// commit synced (`synchronous = FULL`, set once GRDB's WAL set-up, which sets `NORMAL`,
/// has run; see `ReplicaStore.requireFullSync`).
enum PlainSQLite {
    static func open(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.journalMode = .wal
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        return queue
    }
}
