import FieldbookCore
import Testing

@testable import FieldbookProtocol

struct WireReaderTests {
    @Test(
        arguments: [
            (UInt64(0), [UInt8(0x00)]),
            (127, [0x7F]),
            (128, [0x80, 0x01]),
            (300, [0xAC, 0x02]),
            (UInt64(UInt32.max), [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
            (UInt64.max, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
        ] as [(UInt64, [UInt8])])
    func varintsMatchTheSpecifiedBytes(value: UInt64, bytes: [UInt8]) throws {
        var writer = WireWriter()
        writer.append(varint: value)
        #expect(writer.bytes == bytes)
        var reader = WireReader(bytes)
        #expect(try reader.readVarint() == value)
        try reader.finish()
    }

    @Test(
        arguments: [
            ([UInt8(0x80), 0x00], "overlong"),
            ([0xFF, 0x00], "overlong"),
            ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02], "overflows"),
            ([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], "overflows"),
            ([0x80], "ends early"),
            ([], "ends early"),
        ] as [([UInt8], String)])
    func malformedVarintsAreCorrupt(bytes: [UInt8], reason: String) {
        var reader = WireReader(bytes)
        let error = #expect(throws: FieldbookError.self) { try reader.readVarint() }
        #expect(error?.code == .corrupt)
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
    }

    @Test(arguments: [
        (Int64(0), UInt64(0)), (-1, 1), (1, 2), (-2, 3), (Int64.max, UInt64.max - 1), (Int64.min, UInt64.max),
    ])
    func zigzagMapsSmallMagnitudesToSmallNumbers(signed: Int64, unsigned: UInt64) throws {
        #expect(WireWriter.zigzag(signed) == unsigned)
        var writer = WireWriter()
        writer.append(zigzag: signed)
        var reader = WireReader(writer.bytes)
        #expect(try reader.readZigzag() == signed)
    }

    @Test func narrowFieldsRefuseWiderValues() {
        var writer = WireWriter()
        writer.append(varint: UInt64(UInt32.max) + 1)
        var reader = WireReader(writer.bytes)
        let error = #expect(throws: FieldbookError.self) { try reader.readVarint(as: UInt32.self, "schema version") }
        #expect(error?.message.contains("schema version") == true)
    }

    @Test func fixedWidthValuesRoundTrip() throws {
        var writer = WireWriter()
        let id = Bytes16(high: 0x0102_0304_0506_0708, low: 0x090A_0B0C_0D0E_0F10)
        writer.append(bytes16: id)
        writer.append(double: -1.5)
        writer.append(uint32BigEndian: 0xDEAD_BEEF)
        writer.append(bool: true)
        #expect(Array(writer.bytes.prefix(16)) == Array(1...16))
        var reader = WireReader(writer.bytes)
        #expect(try reader.readBytes16() == id)
        #expect(try reader.readDouble() == -1.5)
        #expect(try reader.readUInt32BigEndian() == 0xDEAD_BEEF)
        #expect(try reader.readBool())
        try reader.finish()
    }

    @Test func stringsMustBeValidUTF8AndFit() throws {
        var reader = WireReader([3, 0x61, 0xE2, 0x82])
        #expect(throws: FieldbookError.self) { try reader.readString() }
        var short = WireReader([5, 0x61])
        #expect(throws: FieldbookError.self) { try short.readString() }
        var valid = WireReader([4, 0xF0, 0x9F, 0x91, 0xA9])
        #expect(try valid.readString() == "👩")
    }

    @Test func countsAndIndexesAreBoundedBeforeUse() throws {
        // A count of 3 items of at least 16 bytes cannot fit in the 2 bytes that follow.
        var counts = WireReader([3, 0, 0])
        #expect(throws: FieldbookError.self) { try counts.readCount(of: "ID table", minimumSize: 16) }
        var indexes = WireReader([4])
        #expect(throws: FieldbookError.self) { try indexes.readIndex(into: 4, of: "ID") }
        var booleans = WireReader([2])
        #expect(throws: FieldbookError.self) { try booleans.readBool() }
    }
}
