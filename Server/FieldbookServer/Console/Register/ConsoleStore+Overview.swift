import Fieldbook
import FieldbookCore

/// The overview's cohort summaries: a fixed number of set-based queries, each reading a
/// register table once, whatever the number of cohorts (never a query or a correlated
/// subquery per cohort).
extension ConsoleStore {
    /// Every cohort with its programme, city, counts and attendance, by programme, city, name.
    ///
    /// - Complexity: six queries at most. The marks are counted in the database, per
    ///   participant and then per cohort, so what comes back is one row per cohort, not one
    ///   per mark; and only for the cohorts whose data changed since the last count
    ///   (``CohortTallyCache``), so an overview of an unchanged register reads no marks.
    public func cohortSummaries() async throws -> [CohortSummary] {
        try await summaries(of: nil)
    }

    /// One cohort's summary.
    ///
    /// - Complexity: five queries, each limited to the cohort.
    /// - Throws: `.notFound` when there is no such cohort.
    public func cohortSummary(_ id: RowID) async throws -> CohortSummary {
        guard let cohort = try await summaries(of: id).first else {
            throw FieldbookError(.notFound, "no cohort \(id)")
        }
        return cohort
    }

    /// The cohorts' names and programmes, for menus: one query, no counting.
    public func cohortNames() async throws -> [(id: RowID, programme: String, name: String)] {
        try await query(
            """
            SELECT c.id, pr.code AS programme, c.name FROM cohorts c LEFT JOIN programmes pr ON pr.id = c.programme_id
            WHERE c.deleted = 0 ORDER BY pr.code, c.name, c.id
            """, []
        ).compactMap { row in row.id("id").map { ($0, row["programme"] ?? "", row["name"] ?? "") } }
    }

    private func summaries(of cohort: RowID?) async throws -> [CohortSummary] {
        let thresholds = try await thresholds()
        let only = cohort.map { [SQLValue.id($0)] } ?? []
        func filter(_ column: String) -> String { cohort == nil ? "" : "AND \(column) = ?" }
        let cohorts = try await query(
            """
            SELECT c.id, c.name, pr.code AS programme, pr.title AS programme_title
            FROM cohorts c LEFT JOIN programmes pr ON pr.id = c.programme_id
            WHERE c.deleted = 0 \(filter("c.id"))
            """, only)
        var places: [RowID: CohortPlaces] = [:]
        for row in try await query(
            """
            SELECT e.cohort_id, v.city, count(*) AS n, min(e.starts_utc) AS first FROM events e
            LEFT JOIN venues v ON v.id = e.venue_id AND v.deleted = 0
            WHERE e.deleted = 0 \(filter("e.cohort_id"))
            GROUP BY e.cohort_id, v.city
            """, only)
        {
            guard let id = row.id("cohort_id") else { continue }
            places[id, default: .init()].addEvents(row.int("n"), city: row["city"], first: row["first"] ?? "")
        }
        for row in try await query(
            """
            SELECT cohort_id, city, count(*) AS n FROM participants WHERE deleted = 0 \(filter("cohort_id"))
            GROUP BY cohort_id, city
            """, only)
        {
            guard let id = row.id("cohort_id") else { continue }
            places[id, default: .init()].addParticipants(row.int("n"), city: row["city"])
        }
        var tallies: [RowID: CohortTallyCache.Counts] = [:]
        if let cohort {
            tallies = try await counts(
                tallySQL(cohortFilter: "AND e.cohort_id = ?", thresholds: thresholds), [.id(cohort)])
        } else {
            // The vectors first: data merged after them is counted again next time.
            let knowledge = try await meter.measure { try await syncStore.knowledge() }
            var keys: [RowID: CohortTallyCache.Key] = [:]
            for row in cohorts {
                guard let id = row.id("id") else { continue }
                let programme = row["programme"] ?? ""
                keys[id] = .init(
                    vector: knowledge[PartitionID(cohort: id)], programme: programme,
                    threshold: thresholds[programme] ?? Self.defaultThreshold)
            }
            let (valid, stale) = tallyCache.lookup(keys)
            tallies = valid
            if !stale.isEmpty {
                let list = stale.map { _ in "?" }.joined(separator: ", ")
                let fresh = try await counts(
                    tallySQL(cohortFilter: "AND e.cohort_id IN (\(list))", thresholds: thresholds),
                    stale.map { .id($0) })
                let counted = Set(stale)
                tallyCache.store(fresh, keys: keys.filter { counted.contains($0.key) })
                tallies.merge(fresh) { _, new in new }
            }
        }
        return cohorts.compactMap { row -> CohortSummary? in
            guard let id = row.id("id") else { return nil }
            let programme = row["programme"] ?? ""
            let place = places[id] ?? .init()
            return CohortSummary(
                id: id, name: row["name"] ?? "", programme: programme, programmeTitle: row["programme_title"] ?? "",
                city: place.city, participants: place.participants, events: place.events,
                tally: tallies[id]?.tally ?? .init(), belowThreshold: tallies[id]?.below ?? 0,
                threshold: thresholds[programme] ?? Self.defaultThreshold)
        }.sorted { ($0.programme, $0.city ?? "", $0.name) < ($1.programme, $1.city ?? "", $1.name) }
    }

    private func counts(_ sql: String, _ arguments: [SQLValue]) async throws -> [RowID: CohortTallyCache.Counts] {
        var counts: [RowID: CohortTallyCache.Counts] = [:]
        for row in try await query(sql, arguments) {
            guard let id = row.id("cohort_id") else { continue }
            let tally = AttendanceTally(
                present: row.int("present"), late: row.int("late"), absent: row.int("absent"),
                excused: row.int("excused"))
            counts[id] = .init(tally: tally, below: row.int("below"))
        }
        return counts
    }

    /// Marks counted per participant, then per cohort with the participants below their
    /// programme's threshold (``AttendanceTally/isBelow(_:)``, in integers so it agrees
    /// with the grid's flags exactly); `cohortFilter` narrows the events (`e`) read.
    ///
    /// The events drive the join (`CROSS JOIN` keeps SQLite from turning it round), so
    /// attendance is read in its key order, one range per event, with no lookup per mark.
    private func tallySQL(cohortFilter: String, thresholds: [String: Int]) -> String {
        // Codes are the office's own settings keys; quoted as SQL literals, not bound, so
        // the cohort filter stays the query's only argument.
        let cases = thresholds.sorted { $0.key < $1.key }.map { code, percent in
            "WHEN '\(code.replacingOccurrences(of: "'", with: "''"))' THEN \(percent)"
        }.joined(separator: " ")
        let threshold =
            cases.isEmpty ? "\(Self.defaultThreshold)" : "CASE pr.code \(cases) ELSE \(Self.defaultThreshold) END"
        // CAST: PostgreSQL sums bigints as numeric, which the console does not read.
        return """
            SELECT p.cohort_id, CAST(sum(t.present) AS bigint) AS present, CAST(sum(t.late) AS bigint) AS late,
                   CAST(sum(t.absent) AS bigint) AS absent, CAST(sum(t.excused) AS bigint) AS excused,
                   sum(CASE WHEN t.present + t.late + t.absent > 0
                        AND (t.present + t.late) * 100 < \(threshold) * (t.present + t.late + t.absent)
                       THEN 1 ELSE 0 END) AS below
            FROM (\(dialect.participantCounts(eventFilter: cohortFilter))) t
            JOIN participants p ON p.id = t.participant_id AND p.deleted = 0
            JOIN cohorts c ON c.id = p.cohort_id
            LEFT JOIN programmes pr ON pr.id = c.programme_id
            GROUP BY p.cohort_id
            """
    }
}
