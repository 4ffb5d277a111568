import FieldbookCore
import Testing

@testable import FieldbookProtocol

struct CompressionTests {
    @Test func crc32IsTheStandardOne() {
        // The check value of CRC-32/ISO-HDLC, as in zlib, PNG and Ethernet.
        #expect(Compression.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        let whole = Compression.crc32(Array("123456789".utf8))
        let chained = Compression.crc32(Array("6789".utf8), continuing: Compression.crc32(Array("12345".utf8)))
        #expect(chained == whole)
    }

    @Test(arguments: [0, 1, 100, 70_000, 300_000])
    func deflateThenInflateGivesTheInputBack(count: Int) throws {
        var random = SeededRandom(seed: UInt64(count))
        let input = (0..<count).map { _ in UInt8.random(in: 0...7, using: &random) }
        let deflated = Compression.deflate(input, level: 6)
        #expect(try Compression.inflate(deflated[...], expectedCount: count) == input)
    }

    /// A pooled deflater, reset between frames, writes exactly what a stream of its own
    /// would: frames and golden vectors do not depend on which deflater made them.
    @Test(arguments: [Int32(-1), 1, 6, 9])
    func aReusedDeflaterWritesTheSameBytesAsAFreshStream(level: Int32) {
        var random = SeededRandom(seed: UInt64(level + 10))
        for count in [0, 1, 37, 900, 16_384, 70_000] + (0..<40).map({ _ in Int.random(in: 0...5_000, using: &random) })
        {
            let input = (0..<count).map { _ in UInt8.random(in: 0...15, using: &random) }
            #expect(
                Compression.deflate(input, level: level) == Compression.deflateOnce(input, level: level), "\(count)")
        }
    }

    /// Frames compressed from many tasks at once each come back whole: no two share a
    /// deflater.
    @Test func manyTasksCompressingAtOnceEachGetTheirOwnBytesBack() async throws {
        let inputs = (0..<64).map { seed in
            var random = SeededRandom(seed: UInt64(seed))
            return (0..<Int.random(in: 1...20_000, using: &random)).map { _ in UInt8.random(in: 0...9, using: &random) }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for input in inputs {
                group.addTask { () async throws in
                    for _ in 0..<20 {
                        let deflated = Compression.deflate(input, level: 6)
                        let inflated = try Compression.inflate(deflated[...], expectedCount: input.count)
                        #expect(inflated == input)
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    @Test func inflatingToAnyOtherSizeThanDeclaredIsCorrupt() throws {
        let input = [UInt8](repeating: 7, count: 1_000)
        let deflated = Compression.deflate(input, level: 9)
        #expect(throws: FieldbookError.self) { try Compression.inflate(deflated[...], expectedCount: 999) }
        #expect(throws: FieldbookError.self) { try Compression.inflate(deflated[...], expectedCount: 1_001) }
        #expect(throws: FieldbookError.self) { try Compression.inflate((deflated + [0])[...], expectedCount: 1_000) }
        #expect(throws: FieldbookError.self) { try Compression.inflate(deflated.dropLast(), expectedCount: 1_000) }
        #expect(throws: FieldbookError.self) { try Compression.inflate([], expectedCount: 0) }
    }

    @Test func aBombStopsAtTheDeclaredSize() throws {
        // 32 MiB of zeros deflate to about 32 KiB; declared as 1 KiB, inflation stops
        // after 1 KiB + 1 byte of output instead of producing the whole bomb.
        let bomb = Compression.deflate([UInt8](repeating: 0, count: 32 << 20), level: 9)
        #expect(bomb.count < 64 << 10)
        let error = #expect(throws: FieldbookError.self) { try Compression.inflate(bomb[...], expectedCount: 1_024) }
        #expect(error?.message.contains("more than 1024") == true, "\(error?.message ?? "")")
    }

    @Test func anyNegativeLevelMeansTheDefault() {
        let input = Array(String(repeating: "present late absent ", count: 50).utf8)
        #expect(Compression.deflate(input, level: -7) == Compression.deflate(input, level: 6))
        #expect(Compression.deflate(input, level: 42) == Compression.deflate(input, level: 9))
    }
}
