/// A cell value, with the storage classes SQLite has.
public enum Value: Hashable, Sendable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    /// The text, if this is a text value.
    public var text: String? {
        if case .text(let text) = self { return text }
        return nil
    }

    /// The integer, if this is an integer value.
    public var integer: Int64? {
        if case .integer(let integer) = self { return integer }
        return nil
    }

    /// The bytes, if this is a blob value.
    public var blob: [UInt8]? {
        if case .blob(let blob) = self { return blob }
        return nil
    }

    /// Whether this is SQL NULL.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A value from an optional string: `nil` is NULL.
    public init(_ text: String?) {
        self = text.map(Value.text) ?? .null
    }

    /// An approximation of the bytes the value takes, for sizing batches.
    public var approximateSize: Int {
        switch self {
        case .null: 1
        case .integer, .real: 9
        case .text(let text): text.utf8.count + 2
        case .blob(let blob): blob.count + 2
        }
    }

    /// A short human form: text as is, blobs as hex, NULL as `∅`.
    public var description: String {
        switch self {
        case .null: "∅"
        case .integer(let value): String(value)
        case .real(let value): String(value)
        case .text(let value): value
        case .blob(let value): value.map { String($0, radix: 16) }.joined()
        }
    }
}
