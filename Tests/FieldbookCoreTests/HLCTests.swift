import FieldbookCore
import FieldbookTestSupport
import Testing

struct HLCTests {
    @Test(
        arguments: [
            (0, 0, 0),
            (1, 0, 0x1_0000),
            (0, 1, 1),
            (1_709_341_200_000, 3, 1_709_341_200_000 << 16 | 3),
            (HLC.millisecondMask, UInt16.max, UInt64.max),
        ] as [(UInt64, UInt16, UInt64)])
    func packsMillisecondsAboveCounter(milliseconds: UInt64, counter: UInt16, raw: UInt64) {
        let reading = HLC(milliseconds: milliseconds, counter: counter)
        #expect(reading.rawValue == raw)
        #expect(reading.milliseconds == milliseconds)
        #expect(reading.counter == counter)
        #expect(HLC(rawValue: raw) == reading)
    }

    @Test func truncatesMillisecondsBeyond48Bits() {
        let reading = HLC(milliseconds: HLC.millisecondMask + 5, counter: 7)
        #expect(reading.milliseconds == 4)
        #expect(reading.counter == 7)
    }

    @Test(arguments: Seeds.list(default: 5))
    func ordersByTimeThenCounter(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        for _ in 0..<500 {
            let first = HLC(milliseconds: random.next() % 1000, counter: UInt16.random(in: 0...3, using: &random))
            let second = HLC(milliseconds: random.next() % 1000, counter: UInt16.random(in: 0...3, using: &random))
            let expected = (first.milliseconds, first.counter) < (second.milliseconds, second.counter)
            #expect(
                (first < second) == expected,
                "seed \(seed): \(first) < \(second); \(Seeds.replay(seed, filter: "HLCTests"))"
            )
        }
    }

    @Test func describesAsMillisecondsDotCounter() {
        #expect(HLC(milliseconds: 1_709_341_200_000, counter: 3).description == "1709341200000.3")
        #expect(HLC.zero.description == "0.0")
    }
}
