import FieldbookCore
import FieldbookStore
import Foundation
import GRDB

/// Output formats of exports.
public enum ExportFormat: String, Sendable, CaseIterable {
    case csv, json
}

/// One line of the attendance export: a participant at an event, with the mark or
/// `unmarked`, and the names that make the IDs readable.
public struct AttendanceExportRow: Hashable, Sendable, Codable {
    public var programme: String
    public var cohortID: RowID
    public var cohort: String
    public var eventID: RowID
    public var event: String
    public var kind: String
    public var starts: String
    public var zone: String
    /// The host school of a face-to-face event.
    public var venue: String?
    /// The host school's city.
    public var venueCity: String?
    public var participantID: RowID
    public var participant: String
    public var trn: String?
    /// The participant's school.
    public var school: String?
    /// The participant's city.
    public var city: String?
    /// `present`, `late`, `absent`, `excused` or `unmarked`.
    public var status: String
    public var remark: String?
    /// Whether the mark has an open conflict in the ledger (`fieldbook conflicts`).
    public var openConflict: Bool
}

/// One note in the notes export, with the event and person it is about named.
public struct NoteExportRow: Hashable, Sendable, Codable {
    public var id: RowID
    public var cohortID: RowID
    public var cohort: String
    public var eventID: RowID?
    public var event: String?
    public var eventStarts: String?
    public var participantID: RowID?
    public var participant: String?
    public var trn: String?
    public var author: String
    public var created: String
    public var body: String
}

extension Fieldbook {
    /// The attendance register of every event in a stable order (cohort, event start,
    /// participant name, IDs), so replicas that hold the same changes print
    /// byte-identical exports.
    ///
    /// - Parameter includeUnmarked: list the participants with no mark at an event too
    ///   (status `unmarked`): the office's question is as often who was not marked.
    public func attendanceExport(cohort reference: String? = nil, includeUnmarked: Bool = true) throws
        -> [AttendanceExportRow]
    {
        try store.read { db in
            var filter = includeUnmarked ? "" : "AND a.status IS NOT NULL"
            var arguments: StatementArguments = []
            if let reference {
                filter += " AND c.id = ?"
                arguments = [try cohort(reference, in: db).id.rawValue.data]
            }
            let contested = try Self.openMarkConflicts(in: db)
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT pr.code AS programme, c.id AS cohort_id, c.name AS cohort, e.id AS event_id, e.title, e.kind,
                           e.starts, e.zone, v.school AS venue, v.city AS venue_city, p.id AS participant_id, p.name,
                           p.trn, p.school, p.city, a.status, a.remark
                    FROM events e
                    JOIN cohorts c ON c.id = e.cohort_id AND c.deleted = 0
                    JOIN participants p ON p.cohort_id = e.cohort_id AND p.deleted = 0
                    LEFT JOIN attendance a ON a.event_id = e.id AND a.participant_id = p.id AND a.deleted = 0
                    LEFT JOIN programmes pr ON pr.id = c.programme_id
                    LEFT JOIN venues v ON v.id = e.venue_id AND v.deleted = 0
                    WHERE e.deleted = 0 \(filter)
                    ORDER BY c.name, c.id, e.starts_utc, e.id, p.name, p.id
                    """, arguments: arguments
            ).map { row in
                let status: String? = row["status"]
                let eventID = row.rowID("event_id")!
                let participantID = row.rowID("participant_id")!
                return AttendanceExportRow(
                    programme: row["programme"] ?? "", cohortID: row.rowID("cohort_id")!, cohort: row["cohort"] ?? "",
                    eventID: eventID, event: row["title"] ?? "", kind: row["kind"] ?? "",
                    starts: row["starts"] ?? "", zone: row["zone"] ?? "", venue: row["venue"],
                    venueCity: row["venue_city"], participantID: participantID,
                    participant: row["name"] ?? "", trn: row["trn"], school: row["school"], city: row["city"],
                    status: status ?? Self.unmarked, remark: status == nil ? nil : row["remark"],
                    openConflict: contested.contains(RowKey(eventID, participantID)))
            }
        }
    }

    /// The attendance export as text.
    ///
    /// - Parameters:
    ///   - style: for CSV, Excel's layout (BOM, CRLF) or plain.
    ///   - includeUnmarked: see ``attendanceExport(cohort:includeUnmarked:)``.
    public func exportAttendance(
        cohort: String? = nil, format: ExportFormat, style: CSVStyle = .excel, includeUnmarked: Bool = true
    ) throws -> String {
        let rows = try attendanceExport(cohort: cohort, includeUnmarked: includeUnmarked)
        switch format {
        case .json:
            return try Self.json(rows)
        case .csv:
            let header = [
                "programme", "cohort_id", "cohort", "event_id", "event", "kind", "starts", "zone", "venue",
                "venue_city", "participant_id", "participant", "trn", "school", "city", "status", "remark",
                "open_conflict",
            ]
            return CSVWriter.text(
                [header]
                    + rows.map {
                        [
                            $0.programme, $0.cohortID.description, $0.cohort, $0.eventID.description, $0.event, $0.kind,
                            $0.starts, $0.zone, $0.venue ?? "", $0.venueCity ?? "", $0.participantID.description,
                            $0.participant, $0.trn ?? "", $0.school ?? "", $0.city ?? "", $0.status, $0.remark ?? "",
                            $0.openConflict ? "yes" : "",
                        ]
                    }, style: style)
        }
    }

    /// The notes, each with its cohort, event and participant named, in a stable order
    /// (cohort, creation time, ID).
    public func notesExport(cohort reference: String? = nil) throws -> [NoteExportRow] {
        try store.read { db in
            var filter = ""
            var arguments: StatementArguments = []
            if let reference {
                filter = "AND n.cohort_id = ?"
                arguments = [try cohort(reference, in: db).id.rawValue.data]
            }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT n.*, c.name AS cohort, e.title AS event, e.starts AS event_starts, p.name AS participant,
                           p.trn AS trn
                    FROM notes n
                    LEFT JOIN cohorts c ON c.id = n.cohort_id
                    LEFT JOIN events e ON e.id = n.event_id
                    LEFT JOIN participants p ON p.id = n.participant_id
                    WHERE n.deleted = 0 \(filter)
                    ORDER BY n.cohort_id, n.created, n.id
                    """, arguments: arguments
            ).map { row in
                NoteExportRow(
                    id: row.rowID("id")!, cohortID: row.rowID("cohort_id") ?? RowID(.zero), cohort: row["cohort"] ?? "",
                    eventID: row.rowID("event_id"), event: row["event"], eventStarts: row["event_starts"],
                    participantID: row.rowID("participant_id"), participant: row["participant"], trn: row["trn"],
                    author: row["author"] ?? "", created: row["created"] ?? "", body: row["body"] ?? "")
            }
        }
    }

    /// The notes export as text.
    public func exportNotes(cohort: String? = nil, format: ExportFormat, style: CSVStyle = .excel) throws -> String {
        let notes = try notesExport(cohort: cohort)
        switch format {
        case .json:
            return try Self.json(notes)
        case .csv:
            let header = [
                "id", "cohort_id", "cohort", "event_id", "event", "event_starts", "participant_id", "participant",
                "trn",
                "author", "created", "body",
            ]
            return CSVWriter.text(
                [header]
                    + notes.map {
                        [
                            $0.id.description, $0.cohortID.description, $0.cohort, $0.eventID?.description ?? "",
                            $0.event ?? "", $0.eventStarts ?? "", $0.participantID?.description ?? "",
                            $0.participant ?? "", $0.trn ?? "", $0.author, $0.created, $0.body,
                        ]
                    }, style: style)
        }
    }

    /// JSON with sorted keys and snake_case names: the same data gives the same bytes.
    public static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}
