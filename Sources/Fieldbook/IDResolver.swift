import FieldbookCore
import GRDB

/// Finds the row a person means by a short ID, as git does: the full ID, or any unique
/// prefix of the random tail shown in listings (or of the canonical form), or, where a
/// table allows it, a natural name such as a participant's TRN or name, or a cohort's name
/// as the CLI prints it ("NPQH Spring 2024").
///
/// When a reference names several rows, the error lists them (up to a handful), so the
/// person can pick one without running a listing first.
struct IDResolver {
    let table: String
    /// What the row is, for messages: "participant", "event"…
    let noun: String
    /// The command that lists these rows, for messages.
    let listCommand: String
    /// SQL expressions over the table (aliased `t`) whose value, compared loosely (case,
    /// spaces, full-width forms, tone marks), also names a row.
    var nameColumns: [String] = []
    /// An SQL expression over `t` that shows a candidate in an "ambiguous" message.
    var label: String? = nil
    /// Whether Chinese names may also be typed in pinyin ("Li Wei" names 李伟).
    var matchesPinyin = false

    /// How many candidates an "ambiguous" message lists before "and N more".
    static let candidatesShown = 6

    /// The one live row `reference` names.
    ///
    /// - Parameters:
    ///   - filter: an SQL condition over `t` that narrows the rows (a cohort's participants).
    /// - Throws: `notFound` when nothing matches; `ambiguous`, listing the candidates, when
    ///   more than one row does.
    func resolve(
        _ reference: String, in db: Database, filter: String = "1", arguments: StatementArguments = []
    ) throws -> RowID {
        let text = reference.trimmingCharacters(in: .whitespaces).lowercased()
        guard !text.isEmpty else { throw FieldbookError(.invalidInput, "\(noun) ID must not be empty") }
        let candidates = try self.candidates(in: db, filter: filter, arguments: arguments)
        if let exact = RowID(text), candidates.contains(where: { $0.id == exact }) { return exact }
        var matches = names(text, among: candidates)
        if matches.isEmpty {
            // Listings show the random tail, so a prefix of it wins over a prefix of the
            // canonical form: that starts with the creation time, which every row made
            // in the same years shares ("01…"), and would make short IDs that start
            // with 0 ambiguous however unique they are among the IDs people see.
            let hex = text.allSatisfy(\.isHexDigit)
            var canonical: [Candidate] = []
            for candidate in candidates {
                if hex && candidate.id.tail.hasPrefix(text) { matches.append(candidate) }
                if candidate.id.description.hasPrefix(text) { canonical.append(candidate) }
            }
            if matches.isEmpty { matches = canonical }
        }
        switch matches.count {
        case 1:
            return matches[0].id
        case 0:
            throw FieldbookError(.notFound, "no \(noun) matches '\(reference)'; see `fieldbook \(listCommand)`")
        default:
            throw FieldbookError(
                .ambiguous, "\(noun) '\(reference)' is ambiguous: it names \(Self.list(matches)); use one of these IDs")
        }
    }

    /// A live row as a possible meaning of a reference.
    struct Candidate {
        var id: RowID
        var names: [String]
        var label: String?
    }

    func candidates(in db: Database, filter: String, arguments: StatementArguments) throws -> [Candidate] {
        let names = nameColumns.enumerated().map { "(\($0.element)) AS name\($0.offset)" }
        let select = (["t.id AS id", "(\(label ?? "NULL")) AS label"] + names).joined(separator: ", ")
        return try Row.fetchAll(
            db, sql: "SELECT \(select) FROM \(table) t WHERE t.deleted = 0 AND (\(filter)) ORDER BY t.id",
            arguments: arguments
        ).compactMap { row in
            guard let id = row.rowID("id") else { return nil }
            let names = nameColumns.indices.compactMap { row["name\($0)"] as String? }
            return Candidate(id: id, names: names, label: row["label"])
        }
    }

    /// The candidates whose name (or, for Chinese names, pinyin) is `text`, loosely.
    func names(_ text: String, among candidates: [Candidate]) -> [Candidate] {
        guard !nameColumns.isEmpty else { return [] }
        let wanted = NameMatching.folded(text)
        guard !wanted.isEmpty else { return [] }
        let direct = candidates.filter { $0.names.contains { NameMatching.folded($0) == wanted } }
        guard direct.isEmpty, matchesPinyin, NameMatching.isLatin(wanted) else { return direct }
        return candidates.filter { candidate in
            candidate.names.contains { name in NameMatching.pinyin(name).map { $0 == wanted } ?? false }
        }
    }

    /// "Li Wei (TRN 1234567) 9f3a2b1c, …" for a message.
    static func list(_ candidates: [Candidate]) -> String {
        let shown = candidates.prefix(candidatesShown).map { candidate in
            candidate.label.map { "\($0) [\(candidate.id.short)]" } ?? candidate.id.short
        }
        let more = candidates.count > candidatesShown ? " and \(candidates.count - candidatesShown) more" : ""
        return shown.joined(separator: ", ") + more
    }
}
