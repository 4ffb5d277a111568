import FieldbookCore
import Testing

@testable import FieldbookProtocol

struct TimeWordTests {
    @Test func typicalSpacingTakesFewBytes() {
        var writer = WireWriter()
        let time = HLC(milliseconds: Fixtures.saturdayMorning + 5_000)
        writer.append(time: time, reference: Fixtures.saturdayMorning)
        // zigzag(5000) << 1 = 20000: three varint bytes, no counter.
        #expect(writer.bytes.count == 3)
    }

    @Test(arguments: [
        (HLC(milliseconds: 0), UInt64(0)),
        (HLC(milliseconds: HLC.millisecondMask, counter: .max), UInt64(0)),
        (HLC(milliseconds: 0, counter: 1), HLC.millisecondMask),
        (HLC(rawValue: .max), HLC.millisecondMask),
    ])
    func extremesRoundTrip(time: HLC, reference: UInt64) throws {
        for flags: UInt64 in [0, 1] {
            var writer = WireWriter()
            writer.append(time: time, reference: reference, flags: flags, flagBits: 1)
            var reader = WireReader(writer.bytes)
            let word = try reader.readTimeWord(flagBits: 1)
            #expect(word.flags == flags)
            #expect(try word.time(reference: reference) == time)
        }
    }

    @Test func readingsOutsideFortyEightBitsAreCorrupt() {
        var writer = WireWriter()
        writer.append(varint: WireWriter.zigzag(-1) << 1)
        var reader = WireReader(writer.bytes)
        #expect(throws: FieldbookError.self) { try reader.readTime(reference: 0) }

        var beyond = WireWriter()
        beyond.append(varint: WireWriter.zigzag(1) << 1)
        var beyondReader = WireReader(beyond.bytes)
        #expect(throws: FieldbookError.self) { try beyondReader.readTime(reference: HLC.millisecondMask) }

        // The largest word: a delta near Int64.max must not overflow the addition.
        var huge = WireReader([0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        #expect(throws: FieldbookError.self) { try huge.readTime(reference: HLC.millisecondMask) }
    }

    @Test func aFlaggedZeroCounterIsCorrupt() {
        var reader = WireReader([0x01, 0x00])
        let error = #expect(throws: FieldbookError.self) { try reader.readTime(reference: 0) }
        #expect(error?.message.contains("counter") == true)
    }
}
