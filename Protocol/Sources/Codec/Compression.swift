import CZlib
import FieldbookCore

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
