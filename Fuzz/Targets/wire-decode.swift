// libFuzzer target: the protocol decoder (`WireFormat.decode`).
//
// Any input must decode to a message or be refused with a `FieldbookError`, never trap,
// hang or read out of bounds (AddressSanitizer watches). What decodes must survive a
// round trip: encoding the message and decoding it again gives the same message
// (compared by its canonical, uncompressed encoding).
import FieldbookCore
import FieldbookProtocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWireDecode(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let envelope = FuzzInput.envelope(data, size)
    let limits = DecodeLimits(maxEncodedBytes: 1 << 20, maxDecodedBytes: 4 << 20, maxChanges: 20_000)
    let message: Message
    do {
        message = try WireFormat.decode(envelope, limits: limits)
    } catch {
        return 0
    }
    // Compare encodings, not messages: a NaN value is never equal to itself.
    let canonical = WireFormat.encode(message, compressionLevel: 0)
    for level: Int32 in [0, 6] {
        let again = WireFormat.encode(message, compressionLevel: level)
        guard let decoded = try? WireFormat.decode(again, limits: limits),
            WireFormat.encode(decoded, compressionLevel: 0) == canonical
        else {
            fatalError("a decoded message does not survive encode + decode at level \(level): \(message.kind)")
        }
    }
    return 0
}
