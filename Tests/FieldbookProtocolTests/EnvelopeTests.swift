import FieldbookCore
import Testing

@testable import FieldbookProtocol

struct EnvelopeTests {
    @Test func headerFollowsTheSpecifiedLayout() throws {
        let bytes = WireFormat.encode(.syncRequest(GoldenMessages.emptyRequest), compressionLevel: 0)
        let payload = PayloadEncoder.payload(for: .syncRequest(GoldenMessages.emptyRequest))
        var reader = WireReader(bytes)
        #expect(Array(try reader.readRaw(count: 4)) == [0x89, 0x46, 0x42, 0x4B])
        #expect(try reader.readByte() == WireFormat.version)
        #expect(try reader.readByte() == MessageKind.syncRequest.rawValue)
        #expect(try reader.readByte() == 0)
        #expect(try reader.readUInt32BigEndian() == UInt32(payload.count))
        #expect(try reader.readUInt32BigEndian() == UInt32(payload.count))
        let crc = try reader.readUInt32BigEndian()
        #expect(crc == Compression.crc32(Array(bytes.prefix(15)) + payload))
        #expect(Array(try reader.readRaw(count: reader.remaining)) == payload)
    }

    @Test func compressesOnlyWhenThatSavesBytes() {
        // zlib's own header and checksum take six bytes: a ten-byte payload cannot shrink.
        let small = WireFormat.encode(.error(ErrorMessage(code: .badToken, message: "revoked")))
        #expect(small[6] == 0)
        let large = WireFormat.encode(.syncRequest(GoldenMessages.attendanceRequest))
        #expect(large[6] == Envelope.compressedFlag)
        #expect(
            large.count < WireFormat.encode(.syncRequest(GoldenMessages.attendanceRequest), compressionLevel: 0).count)
    }

    @Test func theChecksumCoversTheKindAndFlags() {
        // Bundle and request bodies look alike; a flipped kind byte must not turn one into the other.
        var bytes = WireFormat.encode(.bundle(GoldenMessages.bundle), compressionLevel: 0)
        bytes[5] = MessageKind.syncRequest.rawValue
        let error = #expect(throws: FieldbookError.self) { try WireFormat.decode(bytes) }
        #expect(error?.code == .corrupt)
    }

    @Test func unknownFlagBitsAreCorrupt() {
        var bytes = WireFormat.encode(.knowledge(GoldenMessages.knowledgeFile), compressionLevel: 0)
        bytes[6] = 0x02
        let error = #expect(throws: FieldbookError.self) { try WireFormat.decode(bytes) }
        #expect(error?.message.contains("flags") == true)
    }

    @Test func theVersionIsJudgedBeforeAnythingAfterIt() {
        // A newer format may lay out everything after byte 4 differently: five bytes are enough to refuse it.
        let error = #expect(throws: FieldbookError.self) { try WireFormat.decode(Envelope.magic + [4]) }
        #expect(error?.code == .unsupportedVersion)
        #expect(error?.message.contains("reads 1, 2, 3") == true && error?.message.contains("upgrade") == true)
    }

    @Test func aNewerKindIsRefusedByName() {
        let payload = PayloadEncoder.payload(for: .knowledge(GoldenMessages.knowledgeFile))
        let bytes = Envelope.frame(kind: MessageKind(rawValue: 11), payload: payload, compressionLevel: 0)
        let error = #expect(throws: FieldbookError.self) { try WireFormat.decode(bytes) }
        #expect(error?.code == .unknownKind)
        #expect(error?.message.contains("kind 11") == true)
    }

    @Test(arguments: [[UInt8](), [0x89], [0x89, 0x46, 0x42, 0x4B], Envelope.magic + [1, 1, 0, 0]])
    func shortInputIsCorrupt(bytes: [UInt8]) {
        let error = #expect(throws: FieldbookError.self) { try WireFormat.decode(bytes) }
        #expect(error?.code == .corrupt)
    }
}
