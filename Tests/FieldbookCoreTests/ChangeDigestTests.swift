import FieldbookTestSupport
import Testing

@testable import FieldbookCore

/// `Change.digest` writes the canonical bytes straight into a buffer of their computed size;
/// it must give exactly the digest of the same fields appended one by one to
/// ``CanonicalBytes`` (PROTOCOL.md 6.9), for every kind of value, key and previous stamp.
struct ChangeDigestTests {
    static let values: [Value] = [
        .null, .integer(0), .integer(-3), .integer(.max), .real(0.5), .real(-.infinity), .text(""),
        .text("王芳 · Wang Fang"), .text(String(repeating: "長", count: 400)), .blob([]), .blob([0, 255, 7]),
    ]

    @Test(arguments: values)
    func theDigestIsTheCanonicalBytesHashed(value: Value) {
        var random = SeededRandom(seed: 21)
        let origin = ReplicaID.random(using: &random)
        let first = RowID.make(milliseconds: 1_709_341_200_000, using: &random)
        let second = RowID.make(milliseconds: 1_709_341_200_000, using: &random)
        for key in [RowKey(first), RowKey(first, second)] {
            for previous in [nil, Stamp(time: HLC(milliseconds: 1_709_341_100_000, counter: 3), origin: origin)] {
                let change = Change(
                    partition: PartitionID(Bytes16(high: random.next(), low: random.next())), table: "attendance",
                    key: key, column: "remark", value: value,
                    stamp: Stamp(time: HLC(milliseconds: 1_709_341_200_000, counter: 1), origin: origin),
                    sequence: random.next() % 1000 + 1, previous: previous)
                #expect(
                    change.digest == Self.reference(change), "\(value), \(key.count) IDs, previous \(previous != nil)")
            }
        }
    }

    /// The layout field by field, as PROTOCOL.md 6.9 gives it.
    static func reference(_ change: Change) -> Hash256 {
        var canonical = CanonicalBytes(domain: "fieldbook-change-1")
        canonical.append(change.partition.rawValue)
        canonical.append(change.stamp.origin.rawValue)
        canonical.append(change.sequence)
        canonical.append(text: change.table)
        canonical.append(byte: UInt8(change.key.count))
        for part in change.key.parts { canonical.append(part.rawValue) }
        canonical.append(text: change.column)
        canonical.append(change.stamp.time.rawValue)
        if let previous = change.previous {
            canonical.append(byte: 1)
            canonical.append(previous.time.rawValue)
            canonical.append(previous.origin.rawValue)
        } else {
            canonical.append(byte: 0)
        }
        switch change.value {
        case .null: canonical.append(byte: 0)
        case .integer(let integer):
            canonical.append(byte: 1)
            canonical.append(UInt64(bitPattern: integer))
        case .real(let real):
            canonical.append(byte: 2)
            canonical.append(real.bitPattern)
        case .text(let text):
            canonical.append(byte: 3)
            canonical.append(text: text)
        case .blob(let blob):
            canonical.append(byte: 4)
            canonical.append(blob: blob)
        }
        return Hash256.of(canonical.bytes)
    }
}
