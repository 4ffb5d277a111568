import Fieldbook
import FieldbookCore

/// The cohort grid: participants × events, read in a fixed number of queries whatever the
/// cohort's size, with the marks folded per participant in the database.
extension ConsoleStore {
    /// A cohort's participants × events grid, each participant with their own tally, and
    /// the cohort's totals from the same marks.
    ///
    /// - Complexity: five queries (the cohort, thresholds, events, participants, marks),
    ///   the marks read in the attendance table's key order (``gridMarks(events:)``): no
    ///   sort or grouping in the database, whose `GROUP BY participant` was most of the
    ///   page's time.
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
        // The two large reads at once (both stores read concurrently: SQLite in WAL, each
        // PostgreSQL statement on its own connection). They are separate snapshots as the
        // page's statements always were: a mark of a participant added in between is
        // simply not shown.
        async let participantRows = self.participants(cohort: id)
        async let markRows = gridMarks(events: events.map(\.id))
        var participants = try await participantRows
        var marks = [[GridMark]](repeating: [], count: participants.count)
        if !events.isEmpty {
            let rowOf = Dictionary(
                participants.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
            for row in try await markRows {
                guard let index = rowOf[row.participant], row.column >= 0, row.column < events.count else { continue }
                if marks[index].isEmpty { marks[index] = Array(repeating: .unmarked, count: events.count) }
                marks[index][row.column] = row.mark
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
}

extension ConsoleStore {
    /// Every mark at `events`, the column being the event's place in `events`, read in two
    /// halves at once (two SQLite readers, two PostgreSQL connections): most of this read
    /// is the database's own work (a table lookup per mark on SQLite, the aggregation on
    /// PostgreSQL), which one statement would do on one core while the other idles.
    public func gridMarks(events: [RowID]) async throws -> [GridMarkRow] {
        guard events.count > 1 else { return try await gridMarks(of: events[...]) }
        let half = events.count / 2
        async let first = gridMarks(of: events[..<half])
        async let second = gridMarks(of: events[half...])
        return try await first + second
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
