import FieldbookCore
import FieldbookServer

/// A seeded stream of sync operations against a store: clients writing overlapping cells
/// (with and without knowledge of each other's values), pushing, re-pushing what already
/// landed, pushing past a gap, one client with a clock ten minutes fast, and the office
/// releasing the quarantine now and then.
struct RandomPushes {
    enum Operation: Sendable {
        case push(client: Int, ChangeBatch)
        case release
        /// Advances the wall clocks of the stores by this many milliseconds.
        case tick(UInt64)
    }

    /// Values of each storage class, written only to columns of that class: the SQLite
    /// store converts values by column affinity, so other values would not compare.
    static let texts: [Value] = [.text("present"), .text("late"), .text("absent"), .text("晚到 arrived 09:05"), .null]
    static let integers: [Value] = [.integer(-7), .integer(1 << 40), .integer(3), .null]
    static let blobs: [Value] = [.blob([0, 255, 16]), .blob([]), .blob([7]), .null]

    var random: SeededRandom
    var clients: [TestClient]
    /// Every stamp written per cell, so a later write may name one it has seen.
    var seen: [CellAddress: [Stamp]] = [:]
    var time: UInt64
    let partitions = [Fixture.partition(1), Fixture.partition(2), PartitionID.shared]

    init(seed: UInt64, clients: Int = 5) {
        random = SeededRandom(seed: seed)
        self.clients = (0..<clients).map { TestClient(seed: seed &* 1000 &+ UInt64($0)) }
        time = Fixture.now
    }

    mutating func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }

    mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }

    /// A cell, and the values its column holds.
    mutating func cell() -> (CellAddress, [Value]) {
        switch random.next() % 10 {
        case 0..<6: (Fixture.attendance(random.next() % 3, random.next() % 4, pick(["status", "remark"])), Self.texts)
        case 6..<8: (Fixture.note(random.next() % 3, pick(["body", "author"])), Self.texts)
        case 8: (Fixture.note(random.next() % 3, "event_id"), Self.blobs)
        default:
            (
                CellAddress(table: "events", key: RowKey(Fixture.row(9000 + random.next() % 2)), column: "module"),
                Self.integers
            )
        }
    }

    /// The next operation; `held` is what the store holds (the stores agree, or the test fails).
    mutating func next(held: Knowledge) -> Operation {
        time += 1000
        if chance(5) { return .release }
        if chance(5) { return .tick(1000 + random.next() % 60_000) }
        let index = Int(random.next() % UInt64(clients.count))
        // The last client's clock is ten minutes fast: its changes wait in quarantine.
        let skew: UInt64 = index == clients.count - 1 ? 10 * 60 * 1000 : 0
        for write in 0..<(1 + random.next() % 6) {
            let (cell, values) = cell()
            let partition = pick(partitions)
            let stamps = seen[cell] ?? []
            let previous = stamps.isEmpty || chance(40) ? nil : stamps[Int(random.next() % UInt64(stamps.count))]
            let change = clients[index].write(
                cell, partition: partition, value: pick(values), time: time - 30_000 + skew + write,
                counter: UInt16(index), previous: previous)
            seen[cell, default: []].append(change.stamp)
        }
        var batch = ChangeBatch()
        let client = clients[index]
        for partition in partitions {
            let stream = client.stream(partition)
            guard let last = client.log[partition]?.last?.sequence else { continue }
            var after = held[stream]
            if chance(10) && after > 0 { after -= min(after, 1 + random.next() % 4) }  // re-push some that landed
            if chance(5) && last > after + 1 { after += 1 }  // a gap: refused whole
            guard last > after else { continue }
            let part = client.batch(partition, after: after, through: last)
            batch.changes += part.changes
            batch.ranges += part.ranges
        }
        return .push(client: index, batch)
    }
}
