import FieldbookCore
import FieldbookTestSupport
import Testing

struct RowIDTests {
    @Test(arguments: Seeds.list(default: 5))
    func version7LayoutHasTimePrefixVersionAndVariant(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        for _ in 0..<200 {
            let milliseconds = random.next() & HLC.millisecondMask
            let id = RowID.make(milliseconds: milliseconds, using: &random)
            #expect(id.rawValue.high >> 16 == milliseconds, "seed \(seed)")
            #expect((id.rawValue.high >> 12) & 0xF == 7, "seed \(seed): version nibble of \(id)")
            #expect(id.rawValue.low >> 62 == 0b10, "seed \(seed): variant bits of \(id)")
            let text = id.description
            #expect(Array(text)[14] == "7", "seed \(seed): \(text)")
            #expect("89ab".contains(Array(text)[19]), "seed \(seed): \(text)")
        }
    }

    @Test func idsSortByCreationMillisecond() {
        var random = SeededRandom(seed: 7)
        let earlier = RowID.make(milliseconds: 1_709_341_200_000, using: &random)
        let later = RowID.make(milliseconds: 1_709_341_200_001, using: &random)
        #expect(earlier < later)
    }

    @Test func idsMadeInTheSameMillisecondDiffer() {
        var random = SeededRandom(seed: 11)
        let ids = (0..<10_000).map { _ in RowID.make(milliseconds: 1_709_341_200_000, using: &random) }
        #expect(Set(ids).count == ids.count)
    }

    @Test func canonicalFormIs8_4_4_4_12AndParsesBack() throws {
        var random = SeededRandom(seed: 3)
        let id = RowID.make(milliseconds: 1_709_341_200_000, using: &random)
        let parts = id.description.split(separator: "-").map(\.count)
        #expect(parts == [8, 4, 4, 4, 12])
        #expect(RowID(id.description) == id)
        #expect(RowID(id.rawValue.hex) == id)
        #expect(RowID(id.description.uppercased()) == id)
        #expect(id.tail == String(id.rawValue.hex.suffix(12)))
        #expect(id.short == String(id.tail.prefix(8)))
    }

    @Test(arguments: [
        "", "0190f2c4", "0190f2c4-5e1a-7b3c-9d2e-4f5a6b7c8d9", "0190f2c4-5e1a-7b3c-9d2e-4f5a6b7c8d9e0",
        "g190f2c45e1a7b3c9d2e4f5a6b7c8d9e",
    ])
    func malformedTextDoesNotParse(text: String) {
        #expect(RowID(text) == nil)
    }

    @Test func derivedIDsAreDeterministicVersion8() {
        let first = RowID.derived(from: Array("programme:NPQH".utf8))
        let again = RowID.derived(from: Array("programme:NPQH".utf8))
        let other = RowID.derived(from: Array("programme:NPQSL".utf8))
        #expect(first == again)
        #expect(first != other)
        for id in [first, other] {
            #expect((id.rawValue.high >> 12) & 0xF == 8)
            #expect(id.rawValue.low >> 62 == 0b10)
        }
    }
}

struct Bytes16Tests {
    @Test(arguments: Seeds.list(default: 5))
    func hexAndBytesRoundTrip(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        for _ in 0..<500 {
            let value = Bytes16(high: random.next(), low: random.next())
            #expect(value.hex.count == 32)
            #expect(value.hex == value.hex.lowercased())
            #expect(Bytes16(hex: value.hex) == value, "seed \(seed): \(value.hex)")
            #expect(Bytes16(hex: value.hex.uppercased()) == value, "seed \(seed)")
            #expect(Bytes16(bytes: value.bytes) == value, "seed \(seed)")
        }
    }

    @Test(arguments: Seeds.list(default: 3))
    func orderIsLexicographicByteOrder(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        for _ in 0..<500 {
            // Share a random-length prefix so the comparison often reaches the low word.
            let high = random.next()
            let first = Bytes16(high: random.next() % 3 == 0 ? high : random.next(), low: random.next())
            let second = Bytes16(high: high, low: random.next())
            #expect((first < second) == first.bytes.lexicographicallyPrecedes(second.bytes), "seed \(seed)")
        }
    }

    @Test func leadingZerosArePadded() {
        #expect(Bytes16(high: 1, low: 0).hex == "00000000000000010000000000000000")
        #expect(Bytes16.zero.hex == String(repeating: "0", count: 32))
    }

    @Test(arguments: [
        "", "0", "000000000000000000000000000000", "0000000000000000000000000000000",
        "000000000000000000000000000000000", "0000000000000000000000000000000x", "00000000 000000000000000000000000",
    ])
    func badHexIsRejected(text: String) {
        #expect(Bytes16(hex: text) == nil)
    }

    @Test(arguments: [0, 15, 17, 32])
    func wrongByteCountsAreRejected(count: Int) {
        #expect(Bytes16(bytes: [UInt8](repeating: 1, count: count)) == nil)
    }
}

struct RowKeyTests {
    static let first = RowID(Bytes16(high: 0x0190_0000_0000_7000, low: 0x8000_0000_0000_0001))
    static let second = RowID(Bytes16(high: 0x0190_0000_0000_7000, low: 0x8000_0000_0000_0002))

    @Test func singleAndPairKeysRoundTripThroughBytes() {
        let single = RowKey(Self.first)
        let pair = RowKey(Self.first, Self.second)
        #expect(single.bytes.count == 16)
        #expect(pair.bytes.count == 32)
        #expect(RowKey(bytes: single.bytes) == single)
        #expect(RowKey(bytes: pair.bytes) == pair)
        #expect(pair.parts == [Self.first, Self.second])
        #expect(pair.description == "\(Self.first)/\(Self.second)")
    }

    @Test(arguments: [0, 15, 17, 31, 33, 48])
    func otherLengthsAreRejected(count: Int) {
        #expect(RowKey(bytes: [UInt8](repeating: 7, count: count)) == nil)
    }

    @Test func ordersByFirstThenSingleBeforePairThenSecond() {
        #expect(RowKey(Self.first) < RowKey(Self.second))
        #expect(RowKey(Self.first) < RowKey(Self.first, Self.first))
        #expect(!(RowKey(Self.first, Self.first) < RowKey(Self.first)))
        #expect(RowKey(Self.first, Self.first) < RowKey(Self.first, Self.second))
        #expect(RowKey(Self.first, Self.second) < RowKey(Self.second))
    }
}
