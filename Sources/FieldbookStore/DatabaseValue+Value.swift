import FieldbookCore
import Foundation
import GRDB

extension Value {
    /// The value as GRDB stores it.
    public var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let value): value.databaseValue
        case .real(let value): value.databaseValue
        case .text(let value): value.databaseValue
        case .blob(let value): Data(value).databaseValue
        }
    }

    /// The value of a column as SQLite returned it.
    public init(_ databaseValue: DatabaseValue) {
        switch databaseValue.storage {
        case .null: self = .null
        case .int64(let value): self = .integer(value)
        case .double(let value): self = .real(value)
        case .string(let value): self = .text(value)
        case .blob(let value): self = .blob([UInt8](value))
        }
    }
}

extension HLC {
    /// The reading as a SQLite integer (readings fit in 63 bits until the year 6429).
    var databaseInteger: Int64 { Int64(bitPattern: rawValue) }

    init(databaseInteger: Int64) {
        self.init(rawValue: UInt64(bitPattern: databaseInteger))
    }
}

extension Bytes16 {
    /// The bytes as a SQLite blob.
    public var data: Data { Data(bytes) }

    /// Sixteen bytes from a SQLite blob, or `nil` for any other length.
    public init?(data: Data) {
        self.init(bytes: data)
    }
}

extension String {
    /// The string as a quoted SQL identifier.
    var quotedIdentifier: String { "\"" + replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
