import FieldbookCore
import GRDB

/// Finds the row a person means by a short ID, as git does: the full ID, or any unique
/// prefix of the random tail shown in listings (or of the canonical form), or, where a
/// table allows it, a natural name such as a participant's TRN or a cohort's name.
struct IDResolver {
    let table: String
    /// What the row is, for messages: "participant", "event"…
    let noun: String
    /// The command that lists these rows, for messages.
    let listCommand: String
    /// Columns whose exact (case-insensitive) value also names a row.
    var nameColumns: [String] = []

    func resolve(_ reference: String, in db: Database, filter: String = "1") throws -> RowID {
        let text = reference.trimmingCharacters(in: .whitespaces).lowercased()
        guard !text.isEmpty else { throw FieldbookError(.invalidInput, "\(noun) ID must not be empty") }
        let names = nameColumns.map { "lower(\($0)) AS \($0)" }
        let select = (["id"] + names).joined(separator: ", ")
        let rows = try Row.fetchAll(
            db, sql: "SELECT \(select) FROM \(table) WHERE deleted = 0 AND (\(filter)) ORDER BY id")
        if let exact = RowID(text), rows.contains(where: { $0.rowID("id") == exact }) { return exact }
        var matches = Set<RowID>()
        for column in nameColumns {
            for row in rows where (row[column] as String?) == text { matches.insert(row.rowID("id")!) }
        }
        if matches.isEmpty {
            // Listings show the random tail, so a prefix of it wins over a prefix of the
            // canonical form: that starts with the creation time, which every row made
            // in the same years shares ("01…"), and would make short IDs that start
            // with 0 ambiguous however unique they are among the IDs people see.
            let hex = text.allSatisfy(\.isHexDigit)
            var canonical = Set<RowID>()
            for row in rows {
                guard let id = row.rowID("id") else { continue }
                if hex && id.tail.hasPrefix(text) { matches.insert(id) }
                if id.description.hasPrefix(text) { canonical.insert(id) }
            }
            if matches.isEmpty { matches = canonical }
        }
        switch matches.count {
        case 1:
            return matches.first!
        case 0:
            throw FieldbookError(.notFound, "no \(noun) matches '\(reference)'; see `fieldbook \(listCommand)`")
        default:
            throw FieldbookError(
                .ambiguous, "\(noun) '\(reference)' is ambiguous (\(matches.count) match); type more of the ID")
        }
    }
}
