import FieldbookCore
import Foundation
import Testing

@testable import FieldbookProtocol

/// The golden vectors in `Protocol/vectors/`: the contract with clients in other languages.
///
/// Regenerate them after a deliberate format change with
/// `FIELDBOOK_REGENERATE_VECTORS=1 swift test --filter GoldenVectorTests`, and say why in
/// the commit: a changed vector means every other implementation must change too.
struct GoldenVectorTests {
    @Test(arguments: GoldenMessages.cases)
    func decodesToTheDocumentedMessage(golden: GoldenMessages.Case) throws {
        let file = try VectorFile.read(golden.name)
        let message = try WireFormat.decode(file.bytes)
        #expect(message == golden.message)
        // The header documents the structure field by field; the bytes must decode to it.
        let documented = Array(file.comments.drop { $0 != "message:" }.dropFirst()).map { $0.dropFirst(2) }
        #expect(documented.map(String.init) == MessageDump.lines(message))
    }

    @Test(arguments: GoldenMessages.cases)
    func reencodesByteForByte(golden: GoldenMessages.Case) throws {
        let file = try VectorFile.read(golden.name)
        let level = try #require(file.header("compression").flatMap { Int32($0) })
        #expect(WireFormat.encode(try WireFormat.decode(file.bytes), compressionLevel: level) == file.bytes)
        #expect(file == Self.vector(for: golden), "vector \(golden.name) is stale: regenerate it")
    }

    @Test(arguments: GoldenRejections.cases)
    func rejectionsGiveTheDocumentedCode(golden: GoldenRejections.Case) throws {
        let file = try VectorFile.read(golden.name)
        #expect(file == Self.vector(for: golden), "vector \(golden.name) is stale: regenerate it")
        #expect(file.header("expect-error") == "\(golden.expected) (\(golden.expected.rawValue))")
        let error = #expect(throws: FieldbookError.self) { try WireFormat.decode(file.bytes) }
        #expect(error?.code == golden.expected, "\(golden.name): \(error?.message ?? "decoded")")
    }

    @Test(arguments: GoldenMessages.streams)
    func framedStreamsDecodeFrameByFrame(golden: GoldenMessages.Stream) throws {
        let file = try VectorFile.read(golden.name)
        #expect(file == Self.vector(for: golden), "vector \(golden.name) is stale: regenerate it")
        // Fed one byte at a time, the reader returns each frame the moment its last byte arrives.
        var reader = FrameReader(versions: WireFormat.readableFrameVersions)
        var frames: [Message] = []
        for byte in file.bytes {
            reader.append([byte])
            while let frame = try reader.next() { frames.append(frame) }
        }
        #expect(frames == golden.frames)
        #expect(reader.pendingBytes == 0)
        let documented = Array(file.comments.drop { $0 != "frames:" }.dropFirst()).map { String($0.dropFirst(2)) }
        #expect(documented == golden.frames.flatMap(MessageDump.lines))
    }

    @Test func compressedAndUncompressedEnvelopesAreBothCovered() throws {
        let flags = try GoldenMessages.cases.map { try VectorFile.read($0.name).bytes[6] }
        #expect(flags.contains(0) && flags.contains(Envelope.compressedFlag))
        let kinds = GoldenMessages.cases.map(\.message.kind) + GoldenMessages.streams.flatMap { $0.frames.map(\.kind) }
        #expect(Set(kinds) == MessageKind.known)
    }

    @Test func everyFileInTheFolderIsAVector() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: VectorFile.folder.path)
            .filter { $0.hasSuffix(".hex") }.map { String($0.dropLast(4)) }
        let names =
            GoldenMessages.cases.map(\.name) + GoldenRejections.cases.map(\.name) + GoldenMessages.streams.map(\.name)
        #expect(Set(files) == Set(names))
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["FIELDBOOK_REGENERATE_VECTORS"] == "1"))
    func regenerate() throws {
        for golden in GoldenMessages.cases { try Self.vector(for: golden).write(golden.name) }
        for golden in GoldenRejections.cases { try Self.vector(for: golden).write(golden.name) }
        for golden in GoldenMessages.streams { try Self.vector(for: golden).write(golden.name) }
    }

    static func vector(for golden: GoldenMessages.Stream) -> VectorFile {
        let sizes = golden.frames.map {
            WireFormat.frame($0, compressionLevel: golden.compressionLevel, version: golden.version).count
        }
        return VectorFile(
            comments: [
                "Fieldbook wire format vector: \(golden.name)",
                golden.summary,
                "format-version: \(golden.version) (frames)",
                "compression: \(golden.compressionLevel)",
                "stream: \(golden.frames.count) frames of \(sizes.map(String.init).joined(separator: ", ")) bytes, back to back",
                "expect: ok",
                "",
                "frames:",
            ] + golden.frames.flatMap(MessageDump.lines).map { "  " + $0 },
            bytes: golden.bytes)
    }

    static func vector(for golden: GoldenMessages.Case) -> VectorFile {
        let bytes = WireFormat.encode(golden.message, compressionLevel: golden.compressionLevel)
        let compressed = bytes[6] & Envelope.compressedFlag != 0
        return VectorFile(
            comments: [
                "Fieldbook wire format vector: \(golden.name)",
                golden.summary,
                "format-version: \(WireFormat.version)",
                "compression: \(golden.compressionLevel)",
                "envelope: \(bytes.count) bytes, payload \(compressed ? "zlib-compressed" : "stored uncompressed")",
                "expect: ok",
                "",
                "message:",
            ] + MessageDump.lines(golden.message).map { "  " + $0 },
            bytes: bytes)
    }

    static func vector(for golden: GoldenRejections.Case) -> VectorFile {
        VectorFile(
            comments: [
                "Fieldbook wire format vector: \(golden.name)",
                golden.summary,
                "expect-error: \(golden.expected) (\(golden.expected.rawValue))",
            ],
            bytes: golden.bytes)
    }
}
