import FieldbookCore
import FieldbookStore
import Foundation
import GRDB

extension Fieldbook {
    /// Attendance per participant, of one cohort or all, over the sessions held by `now`.
    ///
    /// - Parameters:
    ///   - threshold: a percentage to flag rates below, for programmes the office has
    ///     set none for (the office console's thresholds win when the store holds them).
    ///   - now: the report's time; events that start later are not held yet.
    public func attendanceReport(cohort reference: String? = nil, threshold: Int? = nil, now: Date = Date()) throws
        -> AttendanceReport
    {
        if let threshold, !(0...100).contains(threshold) {
            throw FieldbookError(.invalidInput, "--threshold \(threshold) must be a percentage from 0 to 100")
        }
        let asOf = Self.isoTime(UInt64(max(0, now.timeIntervalSince1970 * 1000)))
        return try store.read { db in
            var filter = ""
            var arguments: StatementArguments = [asOf]
            if let reference {
                filter = "AND c.id = ?"
                arguments += [try cohort(reference, in: db).id.rawValue.data]
            }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT pr.code AS programme, c.id AS cohort_id, c.name AS cohort, p.id AS participant_id, p.name,
                           p.trn, p.school, p.city,
                           count(e.id) AS held,
                           count(CASE a.status WHEN 'present' THEN 1 END) AS present,
                           count(CASE a.status WHEN 'late' THEN 1 END) AS late,
                           count(CASE a.status WHEN 'absent' THEN 1 END) AS absent,
                           count(CASE a.status WHEN 'excused' THEN 1 END) AS excused
                    FROM participants p
                    JOIN cohorts c ON c.id = p.cohort_id AND c.deleted = 0
                    LEFT JOIN programmes pr ON pr.id = c.programme_id
                    LEFT JOIN events e ON e.cohort_id = p.cohort_id AND e.deleted = 0 AND e.starts_utc <= ?
                    LEFT JOIN attendance a ON a.event_id = e.id AND a.participant_id = p.id AND a.deleted = 0
                    WHERE p.deleted = 0 \(filter)
                    GROUP BY p.id
                    ORDER BY pr.code, c.name, c.id, p.name, p.id
                    """, arguments: arguments)
            let office = try officeThresholds(in: db)
            var thresholds: [String: AttendanceReport.Threshold] = [:]
            for programme in Set(rows.compactMap { $0["programme"] as String? }) {
                if let percent = office[programme] {
                    thresholds[programme] = .init(programme: programme, percent: percent, source: "office")
                } else if let threshold {
                    thresholds[programme] = .init(programme: programme, percent: threshold, source: "option")
                }
            }
            let lines = rows.map { row -> AttendanceReport.Line in
                let programme: String = row["programme"] ?? ""
                let (present, late, absent, excused, held): (Int, Int, Int, Int, Int) = (
                    row["present"], row["late"], row["absent"], row["excused"], row["held"]
                )
                let counted = present + late + absent
                let rate = counted == 0 ? nil : (Double(present + late) * 1000 / Double(counted)).rounded() / 10
                return AttendanceReport.Line(
                    programme: programme, cohortID: row.rowID("cohort_id")!, cohort: row["cohort"] ?? "",
                    participantID: row.rowID("participant_id")!, participant: row["name"] ?? "", trn: row["trn"],
                    school: row["school"], city: row["city"], held: held, present: present, late: late,
                    absent: absent, excused: excused, unmarked: held - present - late - absent - excused, rate: rate,
                    belowThreshold: thresholds[programme].map { threshold in
                        rate.map { $0 < Double(threshold.percent) } ?? false
                    })
            }
            let programmes = Set(lines.map(\.programme))
            return AttendanceReport(
                asOf: asOf, lines: lines, thresholds: thresholds.values.sorted { $0.programme < $1.programme },
                programmesWithoutThreshold: programmes.subtracting(thresholds.keys).sorted())
        }
    }

    /// The thresholds the office set in the console, when this store is the server's
    /// (a laptop's replica has none: they are the office's settings, not replicated).
    func officeThresholds(in db: Database) throws -> [String: Int] {
        guard try db.tableExists("fb_console_settings") else { return [:] }
        var thresholds: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT key, value FROM fb_console_settings WHERE key LIKE 'threshold.%'")
        {
            guard let key = row["key"] as String?, let value = (row["value"] as String?).flatMap({ Int($0) }) else {
                continue
            }
            thresholds[String(key.dropFirst("threshold.".count))] = value
        }
        return thresholds
    }

    /// The participants who missed an event: absent, excused, or not marked.
    public func missedReport(event reference: String) throws -> MissedReport {
        let (event, lines) = try register(event: reference)
        let cohort = try store.read { db in try self.cohort(event.cohortID.description, in: db) }
        return MissedReport(
            event: event, cohort: "\(cohort.programme) \(cohort.name)",
            lines: lines.filter { !["present", "late"].contains($0.status) }, participants: lines.count)
    }
}
