/// Where the console's shared SQL differs between the two stores.
public enum ConsoleDialect: Sendable {
    case sqlite
    case postgres

    /// Quarantined changes counted by author (`origin`, its 16 bytes; `n`). Both stores
    /// keep them in `fb_quarantine`, by stream.
    var quarantineByOrigin: String {
        switch self {
        case .sqlite:
            // A quarantined change's id packs its stream's id (FieldbookStore's LogID).
            """
            SELECT r.replica AS origin, count(*) AS n FROM fb_quarantine q
            JOIN fb_streams s ON s.id = q.id >> 32 JOIN fb_replicas r ON r.id = s.origin
            GROUP BY r.replica
            """
        case .postgres:
            "SELECT s.origin, count(*) AS n FROM fb_quarantine q JOIN fb_streams s ON s.id = q.stream GROUP BY s.origin"
        }
    }

    /// The marks counted per participant (`participant_id`, `present`, `late`, `absent`,
    /// `excused`) at the live events `e` that `eventFilter` keeps (`AND e.cohort_id …`).
    ///
    /// The same query on both stores, which both keep `attendance` as a table (on
    /// PostgreSQL since the read tables replaced the views that pivoted the cells, whose
    /// marks this query used to read from the cells themselves); SQLite's `CROSS JOIN`
    /// keeps its planner reading the events first, then each event's marks in key order.
    func participantCounts(eventFilter: String) -> String {
        func count(_ status: String) -> String { "sum(CASE WHEN a.status = '\(status)' THEN 1 ELSE 0 END)" }
        return """
            SELECT a.participant_id, \(count("present")) AS present, \(count("late")) AS late,
                   \(count("absent")) AS absent, \(count("excused")) AS excused
            FROM events e \(self == .sqlite ? "CROSS JOIN" : "JOIN") attendance a ON a.event_id = e.id
            WHERE e.deleted = 0 AND a.deleted = 0 AND a.status IS NOT NULL \(eventFilter)
            GROUP BY a.participant_id
            """
    }
}
