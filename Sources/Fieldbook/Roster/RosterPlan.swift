import FieldbookCore
import Foundation

/// What importing a roster into a cohort would do, worked out without touching the
/// replica: the participants to add, those to update (matched by TRN), the rows that
/// change nothing, the columns ignored, and every problem. An import writes only a plan
/// with no problems, so a bad roster changes nothing.
public struct RosterPlan: Sendable, Codable {
    /// A participant to add, from the row on `line`.
    public struct Addition: Sendable, Codable {
        public var line: Int
        public var participant: Fieldbook.ParticipantInput
    }

    /// A known participant (same TRN) whose fields the row on `line` changes.
    public struct Update: Sendable, Codable {
        public var line: Int
        public var participant: Participant
        /// The fields that change, with their new values (an empty cell changes nothing).
        public var changes: [RosterColumn: String]
    }

    public var additions: [Addition] = []
    public var updates: [Update] = []
    /// Lines of known participants that the roster does not change.
    public var unchanged: [Int] = []
    /// Headers that name no column Fieldbook knows, ignored (with a warning).
    public var ignoredColumns: [String] = []
    public var problems: [RosterProblem] = []

    /// Works out the plan for CSV records (header first) and the cohort's participants.
    ///
    /// - Parameters:
    ///   - update: whether a row whose TRN is already in the cohort updates that
    ///     participant (else it is a problem).
    ///   - cohort: the cohort's name, for messages.
    public init(records: [CSVReader.Record], existing: [Participant], update: Bool, cohort: String) {
        guard let header = records.first else {
            problems.append(
                RosterProblem(line: nil, column: nil, reason: "the CSV file is empty; expected a header row"))
            return
        }
        var columns: [RosterColumn?] = []
        for title in header.fields {
            let column = RosterColumn(header: title)
            if let column, columns.contains(column) {
                problems.append(
                    RosterProblem(
                        line: header.line, column: title, reason: "the header names '\(column.rawValue)' twice"))
            }
            if column == nil, !title.trimmingCharacters(in: .whitespaces).isEmpty { ignoredColumns.append(title) }
            columns.append(column)
        }
        guard columns.contains(.name) else {
            problems.append(
                RosterProblem(
                    line: header.line, column: nil,
                    reason: "the header has no name column (name or 姓名); expected name, trn, school, city, email"))
            return
        }
        guard problems.isEmpty else { return }
        let byTRN = Dictionary(
            existing.compactMap { p in p.trn.map { ($0, p) } }, uniquingKeysWith: { first, _ in first })
        var seenTRNs: [String: Int] = [:]
        for record in records.dropFirst() {
            plan(
                record, header: header.fields, columns: columns, byTRN: byTRN, seenTRNs: &seenTRNs, update: update,
                cohort: cohort)
        }
        if records.count == 1 {
            problems.append(RosterProblem(line: nil, column: nil, reason: "the CSV file has a header but no rows"))
        }
    }

    private mutating func plan(
        _ record: CSVReader.Record, header: [String], columns: [RosterColumn?], byTRN: [String: Participant],
        seenTRNs: inout [String: Int], update: Bool, cohort: String
    ) {
        var fields = record.fields
        // Spreadsheets pad rows with empty cells past the last column; only text there is a problem.
        while fields.count > columns.count, fields.last?.trimmingCharacters(in: .whitespaces).isEmpty == true {
            fields.removeLast()
        }
        guard fields.count == columns.count else {
            problems.append(
                RosterProblem(
                    line: record.line, column: nil,
                    reason: "\(fields.count) fields, but the header has \(columns.count)"))
            return
        }
        // A row of empty cells (a spreadsheet's blank line) is no participant.
        if fields.allSatisfy(\.isBlank) { return }
        var values: [RosterColumn: String] = [:]
        var bad = false
        for (index, column) in columns.enumerated() {
            guard let column else { continue }
            do {
                if let value = try Self.validate(fields[index], as: column) {
                    values[column] = value
                } else if column == .name {
                    throw FieldbookError(.invalidInput, "name must not be empty")
                }
            } catch {
                bad = true
                let reason = (error as? FieldbookError)?.message ?? "\(error)"
                problems.append(RosterProblem(line: record.line, column: header[index], reason: reason))
            }
        }
        if let trn = values[.trn] {
            if let first = seenTRNs[trn] {
                bad = true
                problems.append(
                    RosterProblem(
                        line: record.line, column: header[columns.firstIndex(of: .trn)!],
                        reason: "TRN \(trn) is also on line \(first); each participant once"))
            } else {
                seenTRNs[trn] = record.line
            }
        }
        guard !bad else { return }
        if let trn = values[.trn], let known = byTRN[trn] {
            guard update else {
                problems.append(
                    RosterProblem(
                        line: record.line, column: header[columns.firstIndex(of: .trn)!],
                        reason:
                            "TRN \(trn) is already in cohort \(cohort) (\(known.name)); pass --update to update known participants"
                    ))
                return
            }
            let changes = values.filter { column, value in Self.current(column, of: known) != value }
            if changes.isEmpty {
                unchanged.append(record.line)
            } else {
                updates.append(Update(line: record.line, participant: known, changes: changes))
            }
            return
        }
        additions.append(
            Addition(
                line: record.line,
                participant: Fieldbook.ParticipantInput(
                    name: values[.name]!, trn: values[.trn], school: values[.school], city: values[.city],
                    email: values[.email])))
    }

    /// A cell checked as its column requires; nil when empty.
    static func validate(_ value: String, as column: RosterColumn) throws -> String? {
        switch column {
        case .name: return try Validate.optionalText(value, field: "name")
        case .trn: return try Validate.trn(value)
        case .school: return try Validate.optionalText(value, field: "school")
        case .city: return try Validate.optionalText(value, field: "city")
        case .email: return try Validate.email(value)
        }
    }

    static func current(_ column: RosterColumn, of participant: Participant) -> String? {
        switch column {
        case .name: participant.name
        case .trn: participant.trn
        case .school: participant.school
        case .city: participant.city
        case .email: participant.email
        }
    }
}
