import CZlib
import FieldbookCore
import Synchronization

/// zlib (RFC 1950) compression and CRC-32 for the envelope, over the system library.
///
/// Inflation is bounded: it never produces more than the size the envelope declares,
/// and grows its buffer only as real output arrives, so a small forged message cannot
/// make the decoder allocate the declared maximum up front.
enum Compression {
    /// The zlib stream of `input` at `level` (1 fastest … 9 smallest; any negative level
    /// means zlib's default, 6; levels above 9 mean 9).
    static func deflate(_ input: [UInt8], level: Int32) -> [UInt8] {
        let level = level < 0 ? Z_DEFAULT_COMPRESSION : min(level, Z_BEST_COMPRESSION)
        if let deflater = Deflater.take(level: level) {
            defer { Deflater.give(deflater) }
            if let output = deflater.deflate(input) { return output }
        }
        return deflateOnce(input, level: level)
    }

    /// The zlib stream of `input` from a stream of its own (`compress2`): what a pooled
    /// ``Deflater`` must give byte for byte, and the fallback when none can start.
    static func deflateOnce(_ input: [UInt8], level: Int32) -> [UInt8] {
        var length = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(length))
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { source in
                compress2(out.baseAddress, &length, source.baseAddress, uLong(source.count), level)
            }
        }
        // compressBound guarantees the room, so only an allocation failure inside zlib lands here.
        precondition(status == Z_OK, "zlib compress2 failed with status \(status)")
        output.removeSubrange(Int(length)...)
        return output
    }

    /// Inflates a zlib stream that must produce exactly `expectedCount` bytes and end
    /// exactly at the end of `input`.
    ///
    /// - Throws: `.corrupt` when the stream is invalid, truncated, followed by stray
    ///   bytes, or inflates to any other size.
    static func inflate(_ input: ArraySlice<UInt8>, expectedCount: Int) throws(FieldbookError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit_(&stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw FieldbookError(.internal, "zlib could not start inflating; the machine may be out of memory")
        }
        defer { inflateEnd(&stream) }

        // One byte of slack past the declared size turns "inflates to more" into a clean
        // refusal instead of an unbounded buffer.
        let cap = expectedCount + 1
        var output = [UInt8](repeating: 0, count: min(cap, max(input.count * 4, 1 << 16)))
        var status = Z_OK
        input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = uInt(source.count)
            while status == Z_OK {
                let produced = Int(stream.total_out)
                if produced == output.count {
                    guard output.count < cap else { break }
                    output.append(contentsOf: repeatElement(0, count: min(cap, output.count * 2) - output.count))
                }
                status = output.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress! + produced
                    stream.avail_out = uInt(out.count - produced)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
            }
        }
        let produced = Int(stream.total_out)
        switch status {
        case Z_STREAM_END where stream.avail_in == 0 && produced == expectedCount:
            output.removeSubrange(produced...)
            return output
        case Z_STREAM_END where stream.avail_in != 0:
            throw WireError.corrupt("\(stream.avail_in) stray bytes after the compressed payload")
        case Z_STREAM_END, Z_OK:
            let actual = produced > expectedCount ? "more than \(expectedCount)" : "\(produced)"
            throw WireError.corrupt("payload inflates to \(actual) bytes, not the \(expectedCount) declared")
        case Z_BUF_ERROR:
            throw WireError.corrupt("compressed payload is cut short")
        default:
            throw WireError.corrupt("compressed payload is invalid (zlib status \(status))")
        }
    }

    /// The CRC-32 (ISO-HDLC, as zlib and PNG compute it) of `bytes`, continuing from `crc`.
    static func crc32(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        let result = bytes.withUnsafeBufferPointer { buffer in
            CZlib.crc32(uLong(crc), buffer.baseAddress, uInt(buffer.count))
        }
        return UInt32(truncatingIfNeeded: result)
    }
}

/// A zlib deflate stream kept for the next frame: setting one up allocates and clears
/// about 256 KB, which cost more than compressing a small frame (15% of the server's CPU
/// per round in P8's profile). `deflateReset` keeps the stream's parameters, so its
/// output is byte for byte what `compress2` gives at the same level.
final class Deflater: @unchecked Sendable {
    // @unchecked: a deflater is used by one caller at a time, between `take` and `give`;
    // the pool itself is behind a mutex.
    private static let pool = Mutex<[Int32: [Deflater]]>([:])
    /// Deflaters kept per level: about as many as frames are compressed at once.
    private static let kept = 8

    private let stream: UnsafeMutablePointer<z_stream>
    let level: Int32

    private init?(level: Int32) {
        // zlib keeps a pointer back to the stream: it must not move, hence the allocation.
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard deflateInit_(stream, level, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            return nil
        }
        self.level = level
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// A deflater at `level` from the pool, or a new one; `nil` when zlib cannot start one.
    static func take(level: Int32) -> Deflater? {
        pool.withLock { $0[level]?.popLast() } ?? Deflater(level: level)
    }

    /// Returns a deflater to the pool (beyond ``kept`` per level, it is freed).
    static func give(_ deflater: Deflater) {
        pool.withLock { pools in
            if pools[deflater.level, default: []].count < kept { pools[deflater.level, default: []].append(deflater) }
        }
    }

    /// The zlib stream of `input`, or `nil` if zlib failed (the caller falls back).
    func deflate(_ input: [UInt8]) -> [UInt8]? {
        guard deflateReset(stream) == Z_OK else { return nil }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(stream, uLong(input.count))))
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { source in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.pointee.avail_in = uInt(source.count)
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(out.count)
                return CZlib.deflate(stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        output.removeSubrange(Int(stream.pointee.total_out)...)
        return output
    }
}
