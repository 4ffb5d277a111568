import FieldbookCore
import FieldbookStore
import Foundation
import GRDB

extension Fieldbook {

    /// Adds a note, about an event and/or a participant, or about a cohort in general.
    ///
    /// - Throws: `usage` when neither an event, a participant nor a cohort is given;
    ///   `invalidInput` when the event and participant are of different cohorts.
    public func addNote(_ text: String, event: String? = nil, participant: String? = nil, cohort: String? = nil) throws
        -> Note
    {
        let body = try Validate.text(text, field: "note", limit: 10_000)
        let author = try store.name()
        return try write { tx in
            let db = tx.database
            let eventRow = try event.map { try self.event($0, in: db) }
            let participantRow = try participant.map { reference in
                let id = try Self.participantResolver.resolve(reference, in: db)
                return Self.participant(
                    try Row.fetchOne(db, sql: "SELECT * FROM participants WHERE id = ?", arguments: [id.rawValue.data])!
                )
            }
            let cohortIDs = Set(
                [eventRow?.cohortID, participantRow?.cohortID, try cohort.map { try self.cohort($0, in: db).id }]
                    .compactMap { $0 })
            guard cohortIDs.count <= 1 else {
                throw FieldbookError(
                    .invalidInput, "the note's event, participant and cohort belong to different cohorts")
            }
            guard let cohortID = cohortIDs.first else {
                throw FieldbookError(.usage, "say what the note is about: --event, --participant or --cohort")
            }
            let note = Note(
                id: makeID(now: tx.now), cohortID: cohortID, eventID: eventRow?.id, participantID: participantRow?.id,
                author: author, body: body, created: Self.isoTime(tx.now))
            try tx.set(
                table: NPQSchema.Table.notes, key: RowKey(note.id), partition: PartitionID(cohort: cohortID),
                columns: [
                    ("cohort_id", .blob(cohortID.rawValue.bytes)),
                    ("event_id", note.eventID.map { .blob($0.rawValue.bytes) } ?? .null),
                    ("participant_id", note.participantID.map { .blob($0.rawValue.bytes) } ?? .null),
                    ("author", .text(author)), ("body", .text(body)), ("created", .text(note.created)),
                ].filter { !$0.1.isNull })
            return note
        }
    }

    /// Replaces a note's text.
    public func editNote(_ reference: String, text: String) throws -> Note {
        let body = try Validate.text(text, field: "note", limit: 10_000)
        return try write { tx in
            var note = try note(reference, in: tx.database)
            note.body = body
            try tx.set(
                table: NPQSchema.Table.notes, key: RowKey(note.id), partition: PartitionID(cohort: note.cohortID),
                columns: [("body", .text(body))])
            return note
        }
    }

    /// Deletes a note (a tombstone that merges like any other write).
    public func deleteNote(_ reference: String) throws -> Note {
        try write { tx in
            let note = try note(reference, in: tx.database)
            try tx.delete(
                table: NPQSchema.Table.notes, key: RowKey(note.id), partition: PartitionID(cohort: note.cohortID))
            return note
        }
    }

    /// Notes, optionally only those about an event and/or a participant, oldest first.
    public func notes(event: String? = nil, participant: String? = nil, cohort: String? = nil) throws -> [Note] {
        try store.read { db in
            var sql = "SELECT * FROM notes WHERE deleted = 0"
            var arguments: [DatabaseValueConvertible] = []
            if let event {
                sql += " AND event_id = ?"
                arguments.append(try self.event(event, in: db).id.rawValue.data)
            }
            if let participant {
                sql += " AND participant_id = ?"
                arguments.append(try Self.participantResolver.resolve(participant, in: db).rawValue.data)
            }
            if let cohort {
                sql += " AND cohort_id = ?"
                arguments.append(try self.cohort(cohort, in: db).id.rawValue.data)
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY created, id", arguments: StatementArguments(arguments))
                .map(Self.note)
        }
    }

    func note(_ reference: String, in db: Database) throws -> Note {
        let id = try Self.noteResolver.resolve(reference, in: db)
        return Self.note(try Row.fetchOne(db, sql: "SELECT * FROM notes WHERE id = ?", arguments: [id.rawValue.data])!)
    }

    static func note(_ row: Row) -> Note {
        Note(
            id: row.rowID("id")!, cohortID: row.rowID("cohort_id") ?? RowID(.zero), eventID: row.rowID("event_id"),
            participantID: row.rowID("participant_id"), author: row["author"] ?? "", body: row["body"] ?? "",
            created: row["created"] ?? "")
    }
}
