import FieldbookCore
import FieldbookStore
import Foundation
import GRDB

/// Output formats of exports.
public enum ExportFormat: String, Sendable, CaseIterable {
    case csv, json
}

/// One attendance mark in an export.
public struct AttendanceExportRow: Hashable, Sendable, Codable {
    public var programme: String
    public var cohort: String
    public var eventID: RowID
    public var event: String
    public var kind: String
    public var starts: String
    public var zone: String
    public var participantID: RowID
    public var participant: String
    public var trn: String?
    public var status: String
    public var remark: String?
}

extension Fieldbook {
    /// Attendance marks in a stable order (cohort, event start, participant name, IDs), so
    /// replicas that hold the same changes print byte-identical exports.
    public func attendanceExport(cohort reference: String? = nil) throws -> [AttendanceExportRow] {
        try store.read { db in
            var filter = ""
            var arguments: StatementArguments = []
            if let reference {
                filter = "AND c.id = ?"
                arguments = [try cohort(reference, in: db).id.rawValue.data]
            }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT pr.code AS programme, c.name AS cohort, e.id AS event_id, e.title, e.kind, e.starts, e.zone,
                           p.id AS participant_id, p.name, p.trn, a.status, a.remark
                    FROM attendance a
                    JOIN events e ON e.id = a.event_id AND e.deleted = 0
                    JOIN participants p ON p.id = a.participant_id AND p.deleted = 0
                    JOIN cohorts c ON c.id = e.cohort_id AND c.deleted = 0
                    LEFT JOIN programmes pr ON pr.id = c.programme_id
                    WHERE a.deleted = 0 AND a.status IS NOT NULL \(filter)
                    ORDER BY c.name, c.id, e.starts_utc, e.id, p.name, p.id
                    """, arguments: arguments
            ).map { row in
                AttendanceExportRow(
                    programme: row["programme"] ?? "", cohort: row["cohort"] ?? "", eventID: row.rowID("event_id")!,
                    event: row["title"] ?? "", kind: row["kind"] ?? "", starts: row["starts"] ?? "",
                    zone: row["zone"] ?? "", participantID: row.rowID("participant_id")!,
                    participant: row["name"] ?? "",
                    trn: row["trn"], status: row["status"] ?? "", remark: row["remark"])
            }
        }
    }

    /// The attendance export as text.
    public func exportAttendance(cohort: String? = nil, format: ExportFormat) throws -> String {
        let rows = try attendanceExport(cohort: cohort)
        switch format {
        case .json:
            return try Self.json(rows)
        case .csv:
            let header = [
                "programme", "cohort", "event_id", "event", "kind", "starts", "zone", "participant_id", "participant",
                "trn", "status", "remark",
            ]
            return CSVWriter.text(
                [header]
                    + rows.map {
                        [
                            $0.programme, $0.cohort, $0.eventID.description, $0.event, $0.kind, $0.starts, $0.zone,
                            $0.participantID.description, $0.participant, $0.trn ?? "", $0.status, $0.remark ?? "",
                        ]
                    })
        }
    }

    /// The notes export as text, in a stable order (cohort, creation time, ID).
    public func exportNotes(cohort: String? = nil, format: ExportFormat) throws -> String {
        let notes = try self.notes(cohort: cohort).sorted {
            ($0.cohortID, $0.created, $0.id) < ($1.cohortID, $1.created, $1.id)
        }
        switch format {
        case .json:
            return try Self.json(notes)
        case .csv:
            let header = ["id", "cohort_id", "event_id", "participant_id", "author", "created", "body"]
            return CSVWriter.text(
                [header]
                    + notes.map {
                        [
                            $0.id.description, $0.cohortID.description, $0.eventID?.description ?? "",
                            $0.participantID?.description ?? "", $0.author, $0.created, $0.body,
                        ]
                    })
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
