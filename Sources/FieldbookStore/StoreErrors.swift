import FieldbookCore
import GRDB

/// Turns SQLite failures into ``FieldbookError``s a person can act on.
enum StoreErrors {
    static func translate<T>(path: String? = nil, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as FieldbookError {
            throw error
        } catch let error as DatabaseError {
            throw translate(error, path: path)
        }
    }

    static func translate(_ error: DatabaseError, path: String?) -> FieldbookError {
        let file = path.map { " \($0)" } ?? ""
        switch error.resultCode {
        case .SQLITE_NOTADB:
            return FieldbookError(
                .notAReplica, "\(path ?? "the file") is not a Fieldbook replica (not a SQLite database); check --db",
                underlying: error)
        case .SQLITE_CORRUPT:
            return FieldbookError(
                .corrupt, "the replica file\(file) is damaged; restore it from a backup or sync a fresh one",
                underlying: error)
        case .SQLITE_READONLY:
            return FieldbookError(
                .storage,
                "cannot write the replica\(file): it is read-only; check its permissions or pass another --db",
                underlying: error)
        case .SQLITE_CANTOPEN:
            return FieldbookError(
                .storage, "cannot open the replica\(file); check that the folder exists and is writable",
                underlying: error)
        case .SQLITE_FULL:
            return FieldbookError(.storage, "the disk is full; free some space and try again", underlying: error)
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return FieldbookError(
                .storage, "the replica is busy in another fieldbook process; try again", underlying: error)
        case .SQLITE_IOERR:
            return FieldbookError(
                .storage, "input/output error on the replica\(file); check the disk", underlying: error)
        default:
            return FieldbookError(
                .internal, "database error \(error.resultCode.rawValue): \(error.message ?? "unknown")",
                underlying: error)
        }
    }
}
