import Fieldbook
import FieldbookCore

/// The register queries, written once for both stores (their tables have the same names
/// and columns; `deleted` is 0 or 1 on both).
extension ConsoleStore {
    /// Every cohort with its programme, city, counts and attendance, by programme, city, name.
    ///
    /// - Complexity: three queries, whatever the number of cohorts.
    public func cohortSummaries() async throws -> [CohortSummary] {
        let thresholds = try await thresholds()
        let cohorts = try await query(
            """
            SELECT c.id, c.name, pr.code AS programme, pr.title AS programme_title,
                (SELECT v.city FROM events e JOIN venues v ON v.id = e.venue_id AND v.deleted = 0
                 WHERE e.cohort_id = c.id AND e.deleted = 0
                 GROUP BY v.city ORDER BY count(*) DESC, v.city LIMIT 1) AS venue_city,
                (SELECT p.city FROM participants p WHERE p.cohort_id = c.id AND p.deleted = 0 AND p.city IS NOT NULL
                 GROUP BY p.city ORDER BY count(*) DESC, p.city LIMIT 1) AS participant_city,
                (SELECT count(*) FROM participants p WHERE p.cohort_id = c.id AND p.deleted = 0) AS participants,
                (SELECT count(*) FROM events e WHERE e.cohort_id = c.id AND e.deleted = 0) AS events
            FROM cohorts c LEFT JOIN programmes pr ON pr.id = c.programme_id
            WHERE c.deleted = 0
            """, [])
        let marks = try await query(
            """
            SELECT e.cohort_id, a.participant_id, a.status, count(*) AS n
            FROM attendance a
            JOIN events e ON e.id = a.event_id AND e.deleted = 0
            JOIN participants p ON p.id = a.participant_id AND p.deleted = 0
            WHERE a.deleted = 0 AND a.status IS NOT NULL
            GROUP BY e.cohort_id, a.participant_id, a.status
            """, [])
        var byParticipant: [RowID: [RowID: AttendanceTally]] = [:]
        for row in marks {
            guard let cohort = row.id("cohort_id"), let participant = row.id("participant_id") else { continue }
            byParticipant[cohort, default: [:]][participant, default: .init()].add(
                row["status"] ?? "", count: row.int("n"))
        }
        return cohorts.compactMap { row -> CohortSummary? in
            guard let id = row.id("id") else { return nil }
            let programme = row["programme"] ?? ""
            let threshold = thresholds[programme] ?? Self.defaultThreshold
            let tallies = byParticipant[id] ?? [:]
            var total = AttendanceTally()
            for tally in tallies.values {
                total.present += tally.present
                total.late += tally.late
                total.absent += tally.absent
                total.excused += tally.excused
            }
            return CohortSummary(
                id: id, name: row["name"] ?? "", programme: programme, programmeTitle: row["programme_title"] ?? "",
                city: row["venue_city"] ?? row["participant_city"], participants: row.int("participants"),
                events: row.int("events"), tally: total,
                belowThreshold: tallies.values.filter { ($0.rate ?? 1) * 100 < Double(threshold) }.count,
                threshold: threshold)
        }.sorted { ($0.programme, $0.city ?? "", $0.name) < ($1.programme, $1.city ?? "", $1.name) }
    }

    /// One cohort's summary.
    ///
    /// - Throws: `.notFound` when there is no such cohort.
    public func cohortSummary(_ id: RowID) async throws -> CohortSummary {
        guard let cohort = try await cohortSummaries().first(where: { $0.id == id }) else {
            throw FieldbookError(.notFound, "no cohort \(id)")
        }
        return cohort
    }

    /// A cohort's participants × events grid, each participant with their own tally.
    ///
    /// - Complexity: three queries; O(participants × events) in memory.
    public func cohortGrid(_ id: RowID) async throws -> CohortGrid {
        let cohort = try await cohortSummary(id)
        let events = try await self.events(cohort: id)
        var participants = try await self.participants(cohort: id)
        var marks: [RowKey: String] = [:]
        for row in try await query(
            """
            SELECT a.event_id, a.participant_id, a.status FROM attendance a
            JOIN events e ON e.id = a.event_id AND e.deleted = 0
            WHERE e.cohort_id = ? AND a.deleted = 0 AND a.status IS NOT NULL
            """, [.id(id)])
        {
            guard let event = row.id("event_id"), let participant = row.id("participant_id") else { continue }
            marks[RowKey(event, participant)] = row["status"]
        }
        for index in participants.indices {
            for event in events {
                if let status = marks[RowKey(event.id, participants[index].id)] {
                    participants[index].tally.add(status)
                }
            }
        }
        return CohortGrid(cohort: cohort, events: events, participants: participants, marks: marks)
    }

    /// A cohort's events by start, with their venues.
    public func events(cohort: RowID) async throws -> [EventRow] {
        try await query(
            Self.eventSelect + " WHERE e.cohort_id = ? AND e.deleted = 0 ORDER BY e.starts_utc, e.id",
            [
                .id(cohort)
            ]
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
        var marks: [RowID: (String?, String?)] = [:]
        for row in try await query(
            "SELECT event_id, status, remark FROM attendance WHERE participant_id = ? AND deleted = 0", [.id(id)])
        {
            if let event = row.id("event_id") { marks[event] = (row["status"], row["remark"]) }
        }
        let lines = try await events(cohort: participant.cohortID).map { event in
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
