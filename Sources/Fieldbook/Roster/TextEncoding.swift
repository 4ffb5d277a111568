import FieldbookCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The encodings a roster arrives in: what Excel, WPS and Numbers save in China and
/// elsewhere. Detected from the bytes unless the person says (`--encoding`).
public enum TextEncoding: String, Sendable, CaseIterable {
    case utf8 = "utf-8"
    case utf16LE = "utf-16le"
    case utf16BE = "utf-16be"
    /// The Chinese national standard, a superset of GBK and GB2312: what Excel for
    /// Chinese Windows saves as "CSV (Comma delimited)".
    case gb18030

    /// Reads an `--encoding` value; GBK and GB2312 are read as GB18030 (their superset).
    public init?(name: String) {
        let key = name.lowercased().replacingOccurrences(of: "_", with: "-")
        switch key {
        case "utf-8", "utf8": self = .utf8
        case "utf-16le", "utf16le": self = .utf16LE
        case "utf-16be", "utf16be": self = .utf16BE
        case "gb18030", "gbk", "gb2312", "cp936": self = .gb18030
        default: return nil
        }
    }

    /// The names `--encoding` takes, for messages.
    public static let names = "utf-8, utf-16le, utf-16be, gb18030 (also gbk, gb2312)"

    /// Decodes a file: a byte order mark decides (UTF-8, UTF-16 LE or BE); without one,
    /// valid UTF-8 is UTF-8 and anything else is tried as GB18030.
    ///
    /// - Parameters:
    ///   - encoding: the encoding the person named, which overrides detection (a BOM
    ///     that agrees with it is still dropped).
    ///   - file: how to name the file in messages.
    /// - Returns: the text (without BOM) and the encoding it was read as.
    /// - Throws: `invalidInput` saying what the bytes look like and how to save the file.
    public static func decode(_ data: Data, as encoding: TextEncoding? = nil, file: String) throws -> (
        text: String, encoding: TextEncoding
    ) {
        let bytes = [UInt8](data)
        let detected = encoding ?? detect(bytes)
        guard let detected else {
            throw FieldbookError(
                .invalidInput,
                "\(file) looks like UTF-16 without a byte order mark; pass --encoding utf-16le or utf-16be")
        }
        let text: String?
        switch detected {
        case .utf8:
            text = String(validating: bytes.dropFirst(bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0), as: UTF8.self)
        case .utf16LE: text = utf16(bytes.dropFirst(bytes.starts(with: [0xFF, 0xFE]) ? 2 : 0), bigEndian: false)
        case .utf16BE: text = utf16(bytes.dropFirst(bytes.starts(with: [0xFE, 0xFF]) ? 2 : 0), bigEndian: true)
        case .gb18030: text = iconvDecode(bytes, from: "GB18030")
        }
        guard let text else {
            throw FieldbookError(
                .invalidInput,
                encoding != nil
                    ? "\(file) is not valid \(detected.rawValue) text; check --encoding (\(names))"
                    : detected == .gb18030
                        ? "\(file) is neither UTF-8 nor GB18030 text; save it as \"CSV UTF-8\" or pass --encoding (\(names))"
                        : "\(file) is not valid \(detected.rawValue) text, though it starts with that byte order mark; save it as \"CSV UTF-8\""
            )
        }
        return (text, detected)
    }

    /// The encoding the bytes announce or suggest; nil for UTF-16 without a BOM (many
    /// zero bytes), which cannot be read as either endianness with confidence.
    static func detect(_ bytes: [UInt8]) -> TextEncoding? {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return .utf8 }
        if bytes.starts(with: [0xFF, 0xFE]) { return .utf16LE }
        if bytes.starts(with: [0xFE, 0xFF]) { return .utf16BE }
        let sample = bytes.prefix(4096)
        if sample.count >= 4, sample.filter({ $0 == 0 }).count * 4 >= sample.count { return nil }
        return String(validating: bytes, as: UTF8.self) != nil ? .utf8 : .gb18030
    }

    static func utf16(_ bytes: ArraySlice<UInt8>, bigEndian: Bool) -> String? {
        guard bytes.count % 2 == 0 else { return nil }
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let (high, low) = bigEndian ? (bytes[index], bytes[index + 1]) : (bytes[index + 1], bytes[index])
            units.append(UInt16(high) << 8 | UInt16(low))
            index += 2
        }
        return String(validating: units, as: UTF16.self)
    }

    /// Converts with the C library's iconv: Foundation on Linux has no GB18030 in
    /// `String(data:encoding:)`, and glibc's converter implements the whole standard.
    /// Strict: an invalid or truncated sequence fails the whole decode.
    static func iconvDecode(_ bytes: [UInt8], from encoding: String) -> String? {
        let converter = iconv_open("UTF-8", encoding)
        guard converter != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(converter) }
        var input = bytes.map { CChar(bitPattern: $0) }
        // A GB18030 character is at most 4 bytes and becomes at most 4 bytes of UTF-8.
        var output = [CChar](repeating: 0, count: bytes.count * 2 + 16)
        let written = input.withUnsafeMutableBufferPointer { inBuffer -> Int? in
            output.withUnsafeMutableBufferPointer { outBuffer -> Int? in
                var inPointer: UnsafeMutablePointer<CChar>? = inBuffer.baseAddress
                var inLeft = inBuffer.count
                var outPointer: UnsafeMutablePointer<CChar>? = outBuffer.baseAddress
                var outLeft = outBuffer.count
                guard iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) != -1, inLeft == 0 else {
                    return nil
                }
                return outBuffer.count - outLeft
            }
        }
        guard let written else { return nil }
        return String(validating: output.prefix(written).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
