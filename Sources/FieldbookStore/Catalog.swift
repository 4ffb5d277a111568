import FieldbookCore

/// Local integer IDs for the 16-byte replica and partition IDs, for streams, and for
/// the replicated columns, so that every log row stores small integers.
///
/// A session works on its own copy and hands it back to the store only when its
/// transaction commits: an ID given out inside a transaction that rolls back must not
/// survive in memory.
struct Catalog: Sendable {
    var replicaIDs: [ReplicaID: Int64] = [:]
    var replicas: [Int64: ReplicaID] = [:]
    var partitionIDs: [PartitionID: Int64] = [:]
    var partitions: [Int64: PartitionID] = [:]
    var streamIDs: [StreamID: Int64] = [:]
    var streams: [Int64: StreamID] = [:]
    /// Known (materialized) columns, fixed once the store is open.
    var columns: ColumnCatalog
    /// Entries added since this copy was taken, so the store can take in just those.
    private(set) var journal: [Journaled] = []

    enum Journaled: Sendable {
        case replica(ReplicaID, Int64)
        case partition(PartitionID, Int64)
        case stream(StreamID, Int64)
    }

    init(columns: ColumnCatalog) {
        self.columns = columns
    }

    mutating func add(replica: ReplicaID, id: Int64) {
        replicaIDs[replica] = id
        replicas[id] = replica
        journal.append(.replica(replica, id))
    }

    mutating func add(partition: PartitionID, id: Int64) {
        partitionIDs[partition] = id
        partitions[id] = partition
        journal.append(.partition(partition, id))
    }

    mutating func add(stream: StreamID, id: Int64) {
        streamIDs[stream] = id
        streams[id] = stream
        journal.append(.stream(stream, id))
    }

    /// A copy for a session, with an empty journal.
    var snapshot: Catalog {
        var copy = self
        copy.journal = []
        return copy
    }

    /// Takes in the entries a session learned. Entries only ever come from committed
    /// rows whose IDs are never reused, so adding them is right whatever order sessions
    /// finish in.
    mutating func absorb(_ session: Catalog) {
        for entry in session.journal {
            switch entry {
            case .replica(let replica, let id) where replicas[id] == nil: add(replica: replica, id: id)
            case .partition(let partition, let id) where partitions[id] == nil: add(partition: partition, id: id)
            case .stream(let stream, let id) where streams[id] == nil: add(stream: stream, id: id)
            default: break
            }
        }
        journal = []
    }
}

struct ColumnCatalog: Sendable {
    struct Entry: Sendable {
        var id: Int64
        var table: TableSchema
        var column: ColumnSchema
        var sql: ColumnSQL

        init(id: Int64, table: TableSchema, column: ColumnSchema) {
            self.id = id
            self.table = table
            self.column = column
            self.sql = ColumnSQL(table: table, column: column)
        }
    }

    private(set) var byName: [String: [String: Entry]] = [:]
    private(set) var byID: [Int64: Entry] = [:]

    mutating func add(_ entry: Entry) {
        byName[entry.table.name, default: [:]][entry.column.name] = entry
        byID[entry.id] = entry
    }

    func entry(table: String, column: String) -> Entry? {
        byName[table]?[column]
    }
}

/// Packs a stream's local ID and a sequence number into one 63-bit log row ID, so a
/// stream's changes are one contiguous rowid range and sync reads them without an index.
enum LogID {
    static let sequenceBits: Int64 = 32
    static let maximumSequence: UInt64 = 0xFFFF_FFFF

    static func make(stream: Int64, sequence: UInt64) -> Int64 {
        stream << sequenceBits | Int64(sequence)
    }

    static func stream(_ id: Int64) -> Int64 { id >> sequenceBits }

    static func sequence(_ id: Int64) -> UInt64 { UInt64(id & Int64(maximumSequence)) }
}
