import FieldbookCore
import FieldbookStore
import Foundation
import GRDB

/// What ``canonicalDump(_:_:)`` includes.
public struct DumpParts: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// The materialized data tables (every row, tombstones included).
    public static let data = DumpParts(rawValue: 1)
    /// The replicated conflict ledger.
    public static let ledger = DumpParts(rawValue: 2)
    /// The version vectors.
    public static let knowledge = DumpParts(rawValue: 4)
    /// All of the above.
    public static let all: DumpParts = [.data, .ledger, .knowledge]
}

/// The replica's replicated state in a canonical text form, for equality checks between
/// replicas: tables by name, rows by key, columns by name, values with their storage class.
///
/// Two replicas that have seen the same changes must produce the same `.data` and
/// `.ledger` dumps; `.knowledge` differs while a replica holds its own unsent writes.
public func canonicalDump(_ store: ReplicaStore, _ parts: DumpParts = .all) throws -> String {
    var lines: [String] = []
    let tables = store.schema.tables.sorted { $0.name < $1.name }
    try store.read { db in
        for table in tables {
            let isLedger = table.name == ConflictEntry.table
            guard isLedger ? parts.contains(.ledger) : parts.contains(.data) else { continue }
            lines.append("table \(table.name)")
            guard try db.tableExists(table.name) else { continue }
            let order = table.keyColumns.map(\.sqlIdentifier).joined(separator: ", ")
            // Replicated columns only: the engine's `…__v` columns hold local log row IDs,
            // which differ between replicas by design.
            let columns = (table.keyColumns + table.allColumns.map(\.name)).map(\.sqlIdentifier)
                .joined(separator: ", ")
            let sql = "SELECT \(columns) FROM \(table.name.sqlIdentifier) ORDER BY \(order)"
            for row in try Row.fetchAll(db, sql: sql) {
                lines.append("  " + render(row, keyColumns: table.keyColumns))
            }
        }
    }
    if parts.contains(.knowledge) {
        lines.append("knowledge")
        lines.append(contentsOf: describe(try store.knowledge()).map { "  " + $0 })
    }
    return lines.joined(separator: "\n")
}

/// Knowledge as sorted lines `partition origin held`.
public func describe(_ knowledge: Knowledge) -> [String] {
    knowledge.streams.map { "\($0.partition) \($0.origin.short) \(knowledge[$0])" }
}

/// Every table of a SQLite file (engine tables too) in a canonical text form, read
/// without writing, so a test can prove a failed command left the file as it was.
public func canonicalDump(ofFile path: String) throws -> String {
    var configuration = Configuration()
    configuration.readonly = true
    let queue = try DatabaseQueue(path: path, configuration: configuration)
    defer { try? queue.close() }
    return try queue.read { db in
        var lines: [String] = []
        let tables = try Row.fetchAll(
            db,
            sql: "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        for table in tables {
            let name: String = table["name"]
            lines.append("table \(name): \(table["sql"] as String? ?? "")")
            let width = try db.columns(in: name).count
            let order = (1...max(width, 1)).map(String.init).joined(separator: ", ")
            for row in try Row.fetchAll(db, sql: "SELECT * FROM \(name.sqlIdentifier) ORDER BY \(order)") {
                lines.append("  " + render(row, keyColumns: []))
            }
        }
        return lines.joined(separator: "\n")
    }
}

func render(_ row: Row, keyColumns: [String]) -> String {
    let key = keyColumns.map { render(row[$0] as DatabaseValue) }.joined(separator: "/")
    let fields = row.columnNames.filter { !keyColumns.contains($0) }.sorted().map { name in
        "\(name)=\(render(row[name] as DatabaseValue))"
    }
    return ((key.isEmpty ? [] : ["[\(key)]"]) + fields).joined(separator: " ")
}

func render(_ value: DatabaseValue) -> String {
    switch value.storage {
    case .null: "NULL"
    case .int64(let integer): "i\(integer)"
    case .double(let double): "r\(double)"
    case .string(let text): "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    case .blob(let data): "x'" + hex(data) + "'"
    }
}

private let hexDigits = Array("0123456789abcdef".utf8)

func hex(_ data: Data) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(data.count * 2)
    for byte in data {
        bytes.append(hexDigits[Int(byte >> 4)])
        bytes.append(hexDigits[Int(byte & 0xF)])
    }
    return String(decoding: bytes, as: UTF8.self)
}

extension String {
    var sqlIdentifier: String { "\"" + replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}

/// Creates an ordinary SQLite database that is not a Fieldbook replica (a contacts table
/// in rollback-journal mode), for tests that point the tool at the wrong file.
public func makeForeignSQLiteDatabase(at path: String) throws {
    let queue = try DatabaseQueue(path: path)
    try queue.write { db in
        try db.execute(
            sql: "CREATE TABLE contacts (name TEXT, phone TEXT); INSERT INTO contacts VALUES ('Li Wei', '138')")
    }
    try queue.close()
}

/// `PRAGMA integrity_check` of a SQLite file, opened as the tool would open it (so a
/// write-ahead log left by a killed process is recovered first).
public func integrityCheck(ofFile path: String) throws -> [String] {
    let queue = try DatabaseQueue(path: path)
    defer { try? queue.close() }
    return try queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
}
