import FieldbookCore

extension ConsoleStore {
    /// The replicas people write on, with their sync health: every replica the server holds
    /// changes from or answered a round of, except the server itself and the genesis origin
    /// of the reference data every replica starts with.
    ///
    /// - Complexity: four queries (the store's ``laptops()``, the recorded rounds, the
    ///   laptops' own streams, the server's version vectors), whatever the data's size.
    public func writingReplicas() async throws -> [LaptopView] {
        var laptops: [ReplicaID: LaptopView] = [:]
        for laptop in try await self.laptops() { laptops[laptop.replicaID] = laptop }
        let held = try await meter.measure { try await syncStore.knowledge() }
        var unsynced: [ReplicaID: Int] = [:]
        for row in try await query("SELECT replica, partition, written FROM fb_console_laptop_streams", []) {
            guard let replica = row.id("replica"), let partition = row.id("partition") else { continue }
            let stream = StreamID(partition: PartitionID(partition.rawValue), origin: ReplicaID(replica.rawValue))
            let written = UInt64(max(0, row.int("written")))
            unsynced[stream.origin, default: 0] += Int(written - min(written, held[stream]))
        }
        for row in try await query(
            "SELECT replica, token, last_sync, client_time, schema_version, app_version FROM fb_console_laptops", [])
        {
            guard let id = row.id("replica") else { continue }
            let replica = ReplicaID(id.rawValue)
            let answered = UInt64(max(0, row.int("last_sync")))
            laptops[replica, default: LaptopView(replicaID: replica, name: nil, changesHeld: 0, lastChange: nil)]
                .lastRound = LaptopRound(
                    answeredAt: answered, token: row["token"] ?? "", schemaVersion: row.int("schema_version"),
                    clockAhead: Int64(row.int("client_time")) - Int64(answered), unsynced: unsynced[replica] ?? 0,
                    appVersion: row["app_version"])
        }
        let server = syncStore.replicaID
        return laptops.values.filter { $0.replicaID != server && $0.replicaID != .genesis }
    }

    /// Changes held back for clock skew, by author: one grouped count.
    public func quarantinedCounts() async throws -> [ReplicaID: Int] {
        var counts: [ReplicaID: Int] = [:]
        for row in try await query(dialect.quarantineByOrigin, []) {
            if let origin = row.id("origin") { counts[ReplicaID(origin.rawValue), default: 0] += row.int("n") }
        }
        return counts
    }
}
