import Fieldbook
import FieldbookCore

/// The cohort grid: participants × events, read in a fixed number of queries whatever the
/// cohort's size, with the marks folded per participant in the database.
extension ConsoleStore {
    /// A cohort's participants × events grid, each participant with their own tally, and
    /// the cohort's totals from the same marks.
    ///
    /// - Complexity: five queries (the cohort, thresholds, events, participants, marks).
    ///   The marks come back as one row per participant, each a short text of
    ///   `column+letter` items, not one row per mark: a 5,000 × 30 grid is 5,000 rows.
    /// - Throws: `.notFound` when there is no such cohort.
    public func cohortGrid(_ id: RowID) async throws -> CohortGrid {
        guard
            let row = try await query(
                """
                SELECT c.id, c.name, pr.code AS programme, pr.title AS programme_title
                FROM cohorts c LEFT JOIN programmes pr ON pr.id = c.programme_id
                WHERE c.id = ? AND c.deleted = 0
                """, [.id(id)]
            ).first
        else { throw FieldbookError(.notFound, "no cohort \(id)") }
        let programme = row["programme"] ?? ""
        let threshold = try await thresholds()[programme] ?? Self.defaultThreshold
        let events = try await self.events(cohort: id)
        var participants = try await self.participants(cohort: id)
        var marks = [[GridMark]](repeating: [], count: participants.count)
        if !events.isEmpty {
            let rowOf = Dictionary(
                participants.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
            for (participant, text) in try await gridMarks(events: events.map(\.id)) {
                guard let index = rowOf[participant] else { continue }
                marks[index] = GridMark.parse(text, columns: events.count)
            }
        }
        var places = CohortPlaces()
        var total = AttendanceTally()
        var below = 0
        for event in events { places.addEvents(1, city: event.venueCity, first: event.startsUTC) }
        for index in participants.indices {
            places.addParticipants(1, city: participants[index].city)
            if marks[index].isEmpty { marks[index] = Array(repeating: .unmarked, count: events.count) }
            for mark in marks[index] { participants[index].tally.add(mark) }
            total.add(participants[index].tally)
            if participants[index].tally.isBelow(threshold) { below += 1 }
        }
        let cohort = CohortSummary(
            id: id, name: row["name"] ?? "", programme: programme, programmeTitle: row["programme_title"] ?? "",
            city: places.city, participants: participants.count, events: events.count, tally: total,
            belowThreshold: below, threshold: threshold)
        return CohortGrid(cohort: cohort, events: events, participants: participants, marks: marks)
    }

    /// Each marked participant's marks at `events`: `column+letter` items (`0p 3a 4l`)
    /// separated by spaces, the column being the event's place in `events`; one query
    /// over the `attendance` table (PostgreSQL reads its cells instead, see
    /// ``PostgresConsoleStore``).
    public func gridMarks(events: [RowID]) async throws -> [(participant: RowID, marks: String)] {
        guard !events.isEmpty else { return [] }
        let ids = events.map { SQLValue.id($0) }
        return try await query(marksSQL(events: events.count), ids + ids).compactMap { row in
            row.id("participant_id").map { ($0, row["marks"] ?? "") }
        }
    }

    private func marksSQL(events: Int) -> String {
        let placeholders = Array(repeating: "?", count: events)
        let column =
            "CASE a.event_id "
            + placeholders.enumerated().map { "WHEN ? THEN \($0.offset)" }
            .joined(separator: " ") + " END"
        return """
            SELECT a.participant_id, \(dialect.joinedText("(\(column)) || substr(a.status, 1, 1)", separator: " ")) AS marks
            FROM attendance a
            WHERE a.event_id IN (\(placeholders.joined(separator: ", "))) AND a.deleted = 0 AND a.status IS NOT NULL
            GROUP BY a.participant_id
            """
    }

}

extension AttendanceTally {
    mutating func add(_ mark: GridMark) {
        switch mark {
        case .present: present += 1
        case .late: late += 1
        case .absent: absent += 1
        case .excused: excused += 1
        case .unmarked: break
        }
    }

    mutating func add(_ other: AttendanceTally) {
        present += other.present
        late += other.late
        absent += other.absent
        excused += other.excused
    }
}
