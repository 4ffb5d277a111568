import FieldbookCore
import Foundation
import GRDB

/// The work of one transaction on a replica file: the merge target, the log reader and
/// the local writer, sharing one connection, one catalog copy and one clock.
///
/// A session lives exactly as long as its transaction. ``finish()`` writes back what it
/// kept in memory (vector entries of streams it wrote, the clock); the store adopts the
/// session's catalog only after the commit succeeds.
final class StoreSession {
    let db: Database
    var catalog: Catalog
    var clock: HybridClock
    /// The clock as the transaction found it.
    let loadedClock: HLC
    /// Physical time at the start of the transaction, Unix milliseconds.
    let now: UInt64
    let local: ReplicaID
    let schema: ReplicatedSchema

    /// Vector entries read or written in this session; dirty ones are flushed on finish.
    var held: [Int64: UInt64] = [:]
    var dirtyHeld: Set<Int64> = []
    /// Whether the ledger holds open entries (decides if local writes must look for
    /// conflicts to resolve); computed on first use.
    var ledgerHasOpenEntries: Bool?
    /// The last cell looked up, so that install/retire after a lookup need no new query.
    var lastLookup: CellLookup?
    /// Partitions this session wrote local changes to.
    var writtenPartitions: Set<PartitionID> = []
    /// Prepared statements of each column and fixed statements, found once per session.
    var columnStatements: [Int64: ColumnStatements] = [:]
    var fixedStatements: [String: Statement] = [:]
    /// Statements inserting a whole new row, by the catalog IDs of the columns they set.
    var rowInserts: [[Int64]: Statement] = [:]

    struct ColumnStatements {
        var lookup: Statement
        var update: Statement
        var insert: Statement
        var read: Statement
    }

    struct CellLookup {
        var cell: CellAddress
        var rowID: Int64?
        var logID: Int64?
        var version: CellVersion?
    }

    init(db: Database, catalog: Catalog, clock: HybridClock, now: UInt64, local: ReplicaID, schema: ReplicatedSchema) {
        self.db = db
        self.catalog = catalog
        self.clock = clock
        self.loadedClock = clock.last
        self.now = now
        self.local = local
        self.schema = schema
    }

    /// Writes back vector entries and the clock. Call once, before commit.
    ///
    /// The clock is kept on the rows of this replica's own streams, which a local write
    /// updates anyway (one page fewer per write than a separate row); a merge that wrote
    /// none of our streams keeps it in `fb_meta`.
    func finish() throws {
        let clockValue = clock.last.databaseInteger
        var clockKept = clock.last == loadedClock
        for stream in dirtyHeld.sorted() {
            var update = RawStatement(
                try fixedStatement("UPDATE fb_streams SET held = ?, clock = max(clock, ?) WHERE id = ?"))
            update.bind(Int64(held[stream] ?? 0))
            let isLocal = catalog.streams[stream]?.origin == local
            update.bind(isLocal ? clockValue : 0)
            update.bind(stream)
            try update.run()
            clockKept = clockKept || isLocal
        }
        dirtyHeld.removeAll()
        if !clockKept {
            try db.execute(
                sql: "INSERT OR REPLACE INTO fb_meta (key, value) VALUES ('clock', ?)", arguments: [clockValue])
        }
    }

    // MARK: Statements

    /// The prepared statements of a column, from GRDB's cache the first time in a session.
    func statements(_ entry: ColumnCatalog.Entry) throws -> ColumnStatements {
        if let statements = columnStatements[entry.id] { return statements }
        let statements = ColumnStatements(
            lookup: try db.cachedStatement(sql: entry.sql.lookup),
            update: try db.cachedStatement(sql: entry.sql.update),
            insert: try db.cachedStatement(sql: entry.sql.insert), read: try db.cachedStatement(sql: entry.sql.read))
        columnStatements[entry.id] = statements
        return statements
    }

    /// A prepared statement of fixed SQL, found once per session.
    func fixedStatement(_ sql: String) throws -> Statement {
        if let statement = fixedStatements[sql] { return statement }
        let statement = try db.cachedStatement(sql: sql)
        fixedStatements[sql] = statement
        return statement
    }

    // MARK: Local IDs

    func replicaRef(_ replica: ReplicaID) throws -> Int64 {
        if let id = catalog.replicaIDs[replica] { return id }
        let data = replica.rawValue.data
        let id: Int64
        if let existing = try Int64.fetchOne(db, sql: "SELECT id FROM fb_replicas WHERE replica = ?", arguments: [data])
        {
            id = existing
        } else {
            try db.execute(sql: "INSERT INTO fb_replicas (replica) VALUES (?)", arguments: [data])
            id = db.lastInsertedRowID
        }
        catalog.add(replica: replica, id: id)
        return id
    }

    func replica(ref: Int64) throws -> ReplicaID {
        if let replica = catalog.replicas[ref] { return replica }
        guard let data = try Data.fetchOne(db, sql: "SELECT replica FROM fb_replicas WHERE id = ?", arguments: [ref]),
            let raw = Bytes16(data: data)
        else {
            throw FieldbookError(.corrupt, "replica file is damaged: unknown replica #\(ref); restore it from a backup")
        }
        catalog.add(replica: ReplicaID(raw), id: ref)
        return ReplicaID(raw)
    }

    func partitionRef(_ partition: PartitionID) throws -> Int64 {
        if let id = catalog.partitionIDs[partition] { return id }
        let data = partition.rawValue.data
        let id: Int64
        if let existing = try Int64.fetchOne(
            db, sql: "SELECT id FROM fb_partitions WHERE partition = ?", arguments: [data])
        {
            id = existing
        } else {
            try db.execute(sql: "INSERT INTO fb_partitions (partition) VALUES (?)", arguments: [data])
            id = db.lastInsertedRowID
        }
        catalog.add(partition: partition, id: id)
        return id
    }

    func partition(ref: Int64) throws -> PartitionID {
        if let partition = catalog.partitions[ref] { return partition }
        guard
            let data = try Data.fetchOne(db, sql: "SELECT partition FROM fb_partitions WHERE id = ?", arguments: [ref]),
            let raw = Bytes16(data: data)
        else {
            throw FieldbookError(
                .corrupt, "replica file is damaged: unknown partition #\(ref); restore it from a backup")
        }
        catalog.add(partition: PartitionID(raw), id: ref)
        return PartitionID(raw)
    }

    /// The local ID of a stream, creating its row when `create` is set.
    func streamRef(_ stream: StreamID, create: Bool) throws -> Int64? {
        if let id = catalog.streamIDs[stream] { return id }
        let partition = try partitionRef(stream.partition)
        let origin = try replicaRef(stream.origin)
        if let row = try Row.fetchOne(
            db, sql: "SELECT id, held FROM fb_streams WHERE partition = ? AND origin = ?",
            arguments: [partition, origin])
        {
            let id: Int64 = row["id"]
            catalog.add(stream: stream, id: id)
            if held[id] == nil { held[id] = UInt64(row["held"] as Int64) }
            return id
        }
        guard create else { return nil }
        try db.execute(
            sql: "INSERT INTO fb_streams (partition, origin) VALUES (?, ?)", arguments: [partition, origin])
        let id = db.lastInsertedRowID
        guard id < 1 << 31 else { throw FieldbookError(.storage, "replica has too many log streams") }
        catalog.add(stream: stream, id: id)
        held[id] = 0
        return id
    }

    func stream(ref: Int64) throws -> StreamID {
        if let stream = catalog.streams[ref] { return stream }
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT partition, origin FROM fb_streams WHERE id = ?", arguments: [ref])
        else {
            throw FieldbookError(.corrupt, "replica file is damaged: unknown stream #\(ref); restore it from a backup")
        }
        let stream = StreamID(partition: try partition(ref: row["partition"]), origin: try replica(ref: row["origin"]))
        catalog.add(stream: stream, id: ref)
        return stream
    }

    /// The log row ID of a change, creating its stream when needed.
    func logID(of change: Change) throws -> Int64 {
        guard change.sequence >= 1, change.sequence <= LogID.maximumSequence else {
            throw FieldbookError(.corrupt, "change sequence #\(change.sequence) is out of range")
        }
        return LogID.make(stream: try streamRef(change.stream, create: true)!, sequence: change.sequence)
    }

    func heldSequence(ref: Int64) throws -> UInt64 {
        if let value = held[ref] { return value }
        let value = try Int64.fetchOne(db, sql: "SELECT held FROM fb_streams WHERE id = ?", arguments: [ref]) ?? 0
        held[ref] = UInt64(value)
        return UInt64(value)
    }

    // MARK: Stamps

    func previousStamp(time: Int64?, origin: Int64?) throws -> Stamp? {
        guard let time, let origin else { return nil }
        return Stamp(time: HLC(databaseInteger: time), origin: try replica(ref: origin))
    }

    func previousColumns(_ stamp: Stamp?) throws -> (time: Int64?, origin: Int64?) {
        guard let stamp else { return (nil, nil) }
        return (stamp.time.databaseInteger, try replicaRef(stamp.origin))
    }

    // MARK: Materialized rows

    func entry(_ cell: CellAddress) throws -> ColumnCatalog.Entry {
        guard let entry = catalog.columns.entry(table: cell.table, column: cell.column) else {
            throw FieldbookError(.invalidInput, "unknown column \(cell.table).\(cell.column)")
        }
        return entry
    }

    func keyArguments(_ key: RowKey, table: TableSchema) throws -> [DatabaseValueConvertible] {
        guard key.count == table.keyColumns.count else {
            throw FieldbookError(
                .corrupt, "row key of \(table.name) has \(key.count) parts, expected \(table.keyColumns.count)")
        }
        return key.parts.map { $0.rawValue.data }
    }

    func keyCondition(_ table: TableSchema, alias: String = "") -> String {
        table.keyColumns.map { "\(alias)\($0.quotedIdentifier) = ?" }.joined(separator: " AND ")
    }

    /// Reads a row's key from the key columns at `offset` of a fetched row.
    func rowKey(_ row: Row, table: TableSchema, offset: Int) throws -> RowKey {
        var parts: [RowID] = []
        for index in table.keyColumns.indices {
            guard let data = row[offset + index] as Data?, let raw = Bytes16(data: data) else {
                throw FieldbookError(.corrupt, "replica file is damaged: bad key in \(table.name)")
            }
            parts.append(RowID(raw))
        }
        return parts.count == 1 ? RowKey(parts[0]) : RowKey(parts[0], parts[1])
    }
}
