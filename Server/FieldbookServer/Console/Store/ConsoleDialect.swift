/// Where the console's shared SQL differs between the two stores.
public enum ConsoleDialect: Sendable {
    case sqlite
    case postgres

    /// An aggregate joining the text of `expression` over a group, separated by `separator`
    /// (a literal), in no particular order: SQLite's `group_concat`, PostgreSQL's `string_agg`.
    func joinedText(_ expression: String, separator: String) -> String {
        switch self {
        case .sqlite: "group_concat(\(expression), '\(separator)')"
        case .postgres: "string_agg((\(expression))::text, '\(separator)')"
        }
    }

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
    /// SQLite reads its `attendance` table by events, in key order. PostgreSQL reads the
    /// status cells themselves: pivoting its `attendance` view decodes every cell of every
    /// mark with SQL functions, several times slower (see PostgresConsoleStore+Grid).
    func participantCounts(eventFilter: String) -> String {
        switch self {
        case .sqlite:
            func count(_ status: String) -> String { "sum(CASE WHEN a.status = '\(status)' THEN 1 ELSE 0 END)" }
            return """
                SELECT a.participant_id, \(count("present")) AS present, \(count("late")) AS late,
                       \(count("absent")) AS absent, \(count("excused")) AS excused
                FROM events e CROSS JOIN attendance a ON a.event_id = e.id
                WHERE e.deleted = 0 AND a.deleted = 0 AND a.status IS NOT NULL \(eventFilter)
                GROUP BY a.participant_id
                """
        case .postgres:
            func count(_ status: String) -> String { "count(*) FILTER (WHERE c.value = \(Self.stored(status)))" }
            return """
                SELECT substring(c.key FROM 17 FOR 16) AS participant_id, \(count("present")) AS present,
                       \(count("late")) AS late, \(count("absent")) AS absent, \(count("excused")) AS excused
                FROM fb_cells c
                WHERE c.col = (SELECT id FROM fb_columns WHERE tbl = 'attendance' AND col = 'status')
                AND substring(c.key FROM 1 FOR 16) IN (SELECT e.id FROM events e WHERE e.deleted = 0 \(eventFilter))
                AND \(Self.liveAttendance("c"))
                GROUP BY 1
                """
        }
    }

    /// PostgreSQL: a status's stored form (tag 3, then its UTF-8), as a `bytea` literal.
    static func stored(_ status: String) -> String {
        "'\\x03" + status.utf8.map { String($0, radix: 16) }.joined() + "'::bytea"
    }

    /// PostgreSQL: a status cell's grid letter (`p`, `l`, `a`, `e`), NULL for another value.
    static func statusLetter(_ value: String) -> String {
        "CASE \(value) "
            + [("present", "p"), ("late", "l"), ("absent", "a"), ("excused", "e")].map {
                "WHEN \(stored($0.0)) THEN '\($0.1)'"
            }.joined(separator: " ") + " END"
    }

    /// PostgreSQL: the attendance status cell `cell` holds text and its row's tombstone
    /// (`deleted`, an integer cell of the same key) is not set.
    static func liveAttendance(_ cell: String) -> String {
        """
        get_byte(\(cell).value, 0) = 3 AND NOT EXISTS (
            SELECT 1 FROM fb_cells d
            WHERE d.col = (SELECT id FROM fb_columns WHERE tbl = 'attendance' AND col = 'deleted')
            AND d.key = \(cell).key AND get_byte(d.value, 0) = 1 AND d.value <> '\\x010000000000000000'::bytea)
        """
    }
}
