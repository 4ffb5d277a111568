import FieldbookCore
import FieldbookStore
import Foundation
import GRDB
import Synchronization

/// The NPQ register on a replica: roster, events, attendance, notes, conflicts and
/// exports, as one facade the CLI and the server share. All merge logic lives below,
/// in the store and the core; this layer validates input and speaks the domain.
public final class Fieldbook: Sendable {
    /// The replica underneath.
    public let store: ReplicaStore
    private let random: Mutex<SeededRandom?>

    /// Wraps an open store. Pass `seed` for reproducible row IDs (tests, simulations).
    public init(store: ReplicaStore, seed: UInt64? = nil) {
        self.store = store
        self.random = Mutex(seed.map(SeededRandom.init(seed:)))
    }

    /// Creates a new replica file holding the NPQ schema and the six programmes.
    public static func create(
        at path: String, name: String, replicaID: ReplicaID? = nil, options: ReplicaStore.Options = .init()
    ) throws -> Fieldbook {
        let name = try Validate.text(name, field: "replica name", limit: 100)
        return Fieldbook(
            store: try ReplicaStore.create(
                at: path, name: name, schema: NPQSchema.current, genesis: Programme.genesis, replicaID: replicaID,
                options: options))
    }

    /// Opens an existing replica file.
    public static func open(at path: String, options: ReplicaStore.Options = .init()) throws -> Fieldbook {
        Fieldbook(store: try ReplicaStore.open(at: path, schema: NPQSchema.current, options: options))
    }

    /// Writes locally in one transaction, and makes sure this replica's name is on record
    /// in every partition it wrote to (table `devices`), so others can name the author.
    func write<T>(_ body: (LocalTransaction) throws -> T) throws -> T {
        let name = try store.name()
        return try store.write { tx in
            let result = try body(tx)
            for partition in tx.writtenPartitions {
                let key = PartitionRule.replicaRecordKey(replica: tx.replicaID, partition: partition)
                let cell = CellAddress(table: NPQSchema.Table.devices, key: key, column: "name")
                guard try tx.version(of: cell) == nil else { continue }
                try tx.set(
                    table: NPQSchema.Table.devices, key: key, partition: partition,
                    columns: [("replica_id", .blob(tx.replicaID.rawValue.bytes)), ("name", .text(name))])
            }
            return result
        }
    }

    /// A replica's name as it recorded it in any partition this replica holds.
    func deviceName(_ replica: ReplicaID) throws -> String? {
        try store.read { db in
            try String.fetchOne(
                db, sql: "SELECT name FROM devices WHERE replica_id = ? AND deleted = 0 ORDER BY id LIMIT 1",
                arguments: [replica.rawValue.data])
        }
    }

    /// A new UUIDv7 row ID.
    func makeID(now: UInt64) -> RowID {
        random.withLock { seeded in
            if seeded != nil { return RowID.make(milliseconds: now, using: &seeded!) }
            var system = SystemRandomNumberGenerator()
            return RowID.make(milliseconds: now, using: &system)
        }
    }

    /// UTC ISO 8601 for Unix milliseconds.
    public static func isoTime(_ milliseconds: UInt64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}

extension Row {
    /// A row ID column.
    func rowID(_ column: String) -> RowID? {
        (self[column] as Data?).flatMap { Bytes16(bytes: $0) }.map(RowID.init)
    }
}
