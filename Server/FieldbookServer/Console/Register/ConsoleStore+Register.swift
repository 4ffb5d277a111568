import Fieldbook
import FieldbookCore

/// The register queries, written once for both stores (their tables have the same names
/// and columns; `deleted` is 0 or 1 on both).
extension ConsoleStore {
    /// A cohort's events by start, with their venues.
    public func events(cohort: RowID) async throws -> [EventRow] {
        try await query(
            Self.eventSelect + " WHERE e.cohort_id = ? AND e.deleted = 0 ORDER BY \(Self.eventOrder)", [.id(cohort)]
        ).compactMap(EventRow.init(row:))
    }

    /// One event.
    ///
    /// - Throws: `.notFound` when there is no such event.
    public func event(_ id: RowID) async throws -> EventRow {
        guard
            let event = try await query(Self.eventSelect + " WHERE e.id = ? AND e.deleted = 0", [.id(id)]).first
                .flatMap(EventRow.init(row:))
        else { throw FieldbookError(.notFound, "no event \(id)") }
        return event
    }

    /// A cohort's participants by name.
    public func participants(cohort: RowID) async throws -> [ParticipantRow] {
        try await query(
            Self.participantSelect + " WHERE cohort_id = ? AND deleted = 0 ORDER BY name, id", [.id(cohort)]
        ).compactMap(ParticipantRow.init(row:))
    }

    /// One participant.
    ///
    /// - Throws: `.notFound` when there is no such participant.
    public func participant(_ id: RowID) async throws -> ParticipantRow {
        guard
            let participant = try await query(Self.participantSelect + " WHERE id = ? AND deleted = 0", [.id(id)])
                .first.flatMap(ParticipantRow.init(row:))
        else { throw FieldbookError(.notFound, "no participant \(id)") }
        return participant
    }

    /// An event's register: every participant of its cohort, marked or not.
    public func register(event id: RowID) async throws -> (event: EventRow, lines: [RegisterEntry]) {
        let event = try await self.event(id)
        var marks: [RowID: (String?, String?)] = [:]
        for row in try await query(
            "SELECT participant_id, status, remark FROM attendance WHERE event_id = ? AND deleted = 0", [.id(id)])
        {
            if let participant = row.id("participant_id") { marks[participant] = (row["status"], row["remark"]) }
        }
        let lines = try await participants(cohort: event.cohortID).map { participant in
            RegisterEntry(participant: participant, status: marks[participant.id]?.0, remark: marks[participant.id]?.1)
        }
        return (event, lines)
    }

    /// A participant's history: every event of their cohort with their mark, and their notes.
    public func history(participant id: RowID) async throws -> (
        participant: ParticipantRow, lines: [(event: EventRow, status: String?, remark: String?)], notes: [NoteRow]
    ) {
        var participant = try await self.participant(id)
        let events = try await events(cohort: participant.cohortID)
        var marks: [RowID: (String?, String?)] = [:]
        if !events.isEmpty {
            // By whole keys (event, participant): the attendance table's key on both stores.
            for row in try await query(
                """
                SELECT event_id, status, remark FROM attendance
                WHERE participant_id = ? AND deleted = 0 AND event_id IN (\(events.map { _ in "?" }.joined(separator: ", ")))
                """, [.id(id)] + events.map { .id($0.id) })
            {
                if let event = row.id("event_id") { marks[event] = (row["status"], row["remark"]) }
            }
        }
        let lines = events.map { event in
            (event: event, status: marks[event.id]?.0, remark: marks[event.id]?.1)
        }
        for line in lines { if let status = line.status { participant.tally.add(status) } }
        let notes = try await self.notes(where: "n.participant_id = ?", [.id(id)])
        return (participant, lines, notes)
    }

    /// Notes matching a condition on `notes n`, oldest first.
    public func notes(where condition: String, _ arguments: [SQLValue]) async throws -> [NoteRow] {
        try await query(
            """
            SELECT n.id, n.author, n.body, n.created, e.title AS event_title, p.name AS participant_name
            FROM notes n
            LEFT JOIN events e ON e.id = n.event_id
            LEFT JOIN participants p ON p.id = n.participant_id
            WHERE n.deleted = 0 AND \(condition)
            ORDER BY n.created, n.id
            """, arguments
        ).compactMap { row in
            row.id("id").map {
                NoteRow(
                    id: $0, author: row["author"] ?? "", body: row["body"] ?? "", created: row["created"] ?? "",
                    eventTitle: row["event_title"], participantName: row["participant_name"])
            }
        }
    }

    static var eventSelect: String {
        """
        SELECT e.id, e.cohort_id, e.title, e.kind, e.module, e.starts, e.zone, e.starts_utc,
               v.school AS venue_school, v.city AS venue_city
        FROM events e LEFT JOIN venues v ON v.id = e.venue_id AND v.deleted = 0
        """
    }

    /// The order of a cohort's events on every page (and of the grid's columns).
    static var eventOrder: String { "e.starts_utc, e.id" }

    static var participantSelect: String {
        "SELECT id, cohort_id, name, trn, school, city, email FROM participants"
    }
}

extension EventRow {
    init?(row: SQLRow) {
        guard let id = row.id("id"), let cohort = row.id("cohort_id") else { return nil }
        self.init(
            id: id, cohortID: cohort, title: row["title"] ?? "", kind: row["kind"] ?? "",
            module: row.values["module"]?.integer.map(Int.init), starts: row["starts"] ?? "",
            zone: row["zone"] ?? "Asia/Shanghai", startsUTC: row["starts_utc"] ?? "", venueSchool: row["venue_school"],
            venueCity: row["venue_city"])
    }
}

extension ParticipantRow {
    init?(row: SQLRow) {
        guard let id = row.id("id"), let cohort = row.id("cohort_id") else { return nil }
        self.init(
            id: id, cohortID: cohort, name: row["name"] ?? "", trn: row["trn"], school: row["school"],
            city: row["city"], email: row["email"])
    }
}
