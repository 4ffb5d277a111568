import FieldbookCore

/// The office's exports as tables of text: names, titles, schools and cities rather
/// than IDs, every participant of every event (unmarked ones included), in a stable order.
extension ConsoleStore {
    /// Attendance: one line per participant per event of their cohort.
    ///
    /// - Parameter cohort: one cohort, or `nil` for all.
    public func attendanceTable(cohort: RowID? = nil) async throws -> [[String]] {
        let header = [
            "programme", "cohort", "event", "kind", "module", "starts", "zone", "venue", "venue_city", "participant",
            "trn", "school", "city", "status", "remark",
        ]
        let rows = try await query(
            """
            SELECT pr.code AS programme, c.name AS cohort, e.title, e.kind, e.module, e.starts, e.zone,
                   v.school AS venue, v.city AS venue_city, p.name, p.trn, p.school, p.city, a.status, a.remark
            FROM cohorts c
            LEFT JOIN programmes pr ON pr.id = c.programme_id
            JOIN events e ON e.cohort_id = c.id AND e.deleted = 0
            LEFT JOIN venues v ON v.id = e.venue_id AND v.deleted = 0
            JOIN participants p ON p.cohort_id = c.id AND p.deleted = 0
            LEFT JOIN attendance a ON a.event_id = e.id AND a.participant_id = p.id AND a.deleted = 0
            WHERE c.deleted = 0 \(cohort == nil ? "" : "AND c.id = ?")
            ORDER BY pr.code, c.name, c.id, e.starts_utc, e.id, p.name, p.id
            """, cohort.map { [.id($0)] } ?? [])
        return [header]
            + rows.map { row in
                [
                    row["programme"], row["cohort"], row["title"], row["kind"], row["module"], row["starts"],
                    row["zone"], row["venue"], row["venue_city"], row["name"], row["trn"], row["school"],
                    row["city"], row["status"] ?? "unmarked", row["remark"],
                ].map { $0 ?? "" }
            }
    }

    /// Notes, oldest first, with what they are about.
    public func notesTable(cohort: RowID? = nil) async throws -> [[String]] {
        let header = ["programme", "cohort", "created", "author", "event", "participant", "note"]
        let rows = try await query(
            """
            SELECT pr.code AS programme, c.name AS cohort, n.created, n.author, e.title, p.name, n.body
            FROM notes n
            JOIN cohorts c ON c.id = n.cohort_id
            LEFT JOIN programmes pr ON pr.id = c.programme_id
            LEFT JOIN events e ON e.id = n.event_id
            LEFT JOIN participants p ON p.id = n.participant_id
            WHERE n.deleted = 0 \(cohort == nil ? "" : "AND c.id = ?")
            ORDER BY pr.code, c.name, c.id, n.created, n.id
            """, cohort.map { [.id($0)] } ?? [])
        return [header]
            + rows.map { row in
                [
                    row["programme"], row["cohort"], row["created"], row["author"], row["title"], row["name"],
                    row["body"],
                ]
                .map { $0 ?? "" }
            }
    }
}
