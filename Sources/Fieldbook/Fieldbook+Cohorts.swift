import FieldbookCore
import FieldbookStore
import Foundation
import GRDB

extension Fieldbook {
    /// Adds a cohort of a programme; the cohort becomes a new partition.
    ///
    /// - Throws: `invalidInput` for an unknown programme, a bad date, or a cohort of the
    ///   same programme and name that exists already.
    public func addCohort(programme code: String, name: String, starts: String?) throws -> Cohort {
        let programme = try Self.programme(code)
        let name = try Validate.text(name, field: "cohort name")
        let starts = try Validate.date(starts, field: "start date")
        return try write { tx in
            let cohort = Cohort(id: makeID(now: tx.now), programme: programme.code, name: name, starts: starts)
            try refuseDuplicate(of: cohort, in: tx.database)
            try tx.set(
                table: NPQSchema.Table.cohorts, key: RowKey(cohort.id), partition: cohort.partition,
                columns: [
                    ("programme_id", .blob(programme.id.rawValue.bytes)), ("name", .text(name)),
                    ("starts", Value(starts)),
                ])
            return cohort
        }
    }

    /// Changes a cohort's programme, name or start date (`starts: ""` clears it).
    public func editCohort(_ reference: String, programme code: String?, name: String?, starts: String?) throws
        -> Cohort
    {
        let programme = try code.map(Self.programme)
        let name = try name.map { try Validate.text($0, field: "cohort name") }
        let starts = try starts.map { try Validate.date($0, field: "start date") }
        guard programme != nil || name != nil || starts != nil else {
            throw FieldbookError(.usage, "say what to change: --programme, --name or --starts")
        }
        return try write { tx in
            var cohort = try cohort(reference, in: tx.database)
            if let programme { cohort.programme = programme.code }
            if let name { cohort.name = name }
            if let starts { cohort.starts = starts }
            try refuseDuplicate(of: cohort, in: tx.database)
            var columns: [(String, Value)] = []
            if let programme { columns.append(("programme_id", .blob(programme.id.rawValue.bytes))) }
            if let name { columns.append(("name", .text(name))) }
            if starts != nil { columns.append(("starts", Value(cohort.starts))) }
            try tx.set(
                table: NPQSchema.Table.cohorts, key: RowKey(cohort.id), partition: cohort.partition, columns: columns)
            return cohort
        }
    }

    /// Deletes a cohort with its participants, events, marks and notes.
    ///
    /// - Parameter force: needed when anything besides the cohort itself would go.
    /// - Throws: `usage`, saying what would go, when that is so and `force` is false.
    public func deleteCohort(_ reference: String, force: Bool) throws -> Deletion {
        try write { tx in
            let db = tx.database
            let cohort = try cohort(reference, in: db)
            let id = cohort.id.rawValue.data
            let participants = try liveKeys(NPQSchema.Table.participants, where: "cohort_id = ?", [id], in: db)
            let events = try liveKeys(NPQSchema.Table.events, where: "cohort_id = ?", [id], in: db)
            let marks = try liveAttendance(
                where: "event_id IN (SELECT id FROM events WHERE cohort_id = ?)", [id], in: db)
            let notes = try liveKeys(NPQSchema.Table.notes, where: "cohort_id = ?", [id], in: db)
            let deletion = Deletion(
                kind: "cohort", id: cohort.id, label: "\(cohort.programme) \(cohort.name)",
                participants: participants.count, events: events.count, marks: marks.marked, notes: notes.count)
            try refuseUnforced(deletion, force: force)
            for (table, keys) in [
                (NPQSchema.Table.attendance, marks.keys), (NPQSchema.Table.notes, notes),
                (NPQSchema.Table.participants, participants), (NPQSchema.Table.events, events),
                (NPQSchema.Table.cohorts, [RowKey(cohort.id)]),
            ] {
                for key in keys { try tx.delete(table: table, key: key, partition: cohort.partition) }
            }
            return deletion
        }
    }

    /// The cohorts this replica holds, by start date and name.
    public func cohorts() throws -> [Cohort] {
        try store.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT c.id, c.name, c.starts, p.code FROM cohorts c LEFT JOIN programmes p ON p.id = c.programme_id
                    WHERE c.deleted = 0 ORDER BY c.starts, c.name, c.id
                    """
            ).map {
                Cohort(id: $0.rowID("id")!, programme: $0["code"] ?? "?", name: $0["name"] ?? "", starts: $0["starts"])
            }
        }
    }

    /// The cohort a reference names: an ID prefix, its name if no other cohort has it, or
    /// the programme and name as listings print them ("NPQH Spring 2024").
    public func cohort(_ reference: String) throws -> Cohort {
        try store.read { db in try cohort(reference, in: db) }
    }

    func cohort(_ reference: String, in db: Database) throws -> Cohort {
        let id = try Self.cohortResolver.resolve(reference, in: db)
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT c.id, c.name, c.starts, p.code FROM cohorts c LEFT JOIN programmes p ON p.id = c.programme_id
                WHERE c.id = ?
                """, arguments: [id.rawValue.data])!
        return Cohort(id: id, programme: row["code"] ?? "?", name: row["name"] ?? "", starts: row["starts"])
    }

    static func programme(_ code: String) throws -> Programme {
        guard let programme = Programme.named(code.trimmingCharacters(in: .whitespaces)) else {
            let codes = Programme.all.map(\.code).joined(separator: ", ")
            throw FieldbookError(.invalidInput, "programme '\(code)' is not one of \(codes)")
        }
        return programme
    }

    /// Two cohorts of one programme with one name would be told apart by ID only.
    func refuseDuplicate(of cohort: Cohort, in db: Database) throws {
        let programme = try Self.programme(cohort.programme)
        let twins = try Row.fetchAll(
            db, sql: "SELECT id, name FROM cohorts WHERE deleted = 0 AND programme_id = ? AND id != ?",
            arguments: [programme.id.rawValue.data, cohort.id.rawValue.data]
        ).filter { NameMatching.folded($0["name"] ?? "") == NameMatching.folded(cohort.name) }
        // Named as stored, so the person sees which cohort theirs collides with.
        if let twin = twins.first, let id = twin.rowID("id") {
            throw FieldbookError(
                .invalidInput,
                "cohort \(cohort.programme) \(twin["name"] ?? cohort.name) exists already (\(id.short)); choose another name"
            )
        }
    }

    // MARK: Venues

    /// Adds a host school (shared reference data).
    public func addVenue(city: String, school: String) throws -> Venue {
        let city = try Validate.text(city, field: "city")
        let school = try Validate.text(school, field: "school")
        return try write { tx in
            let venue = Venue(id: makeID(now: tx.now), city: city, school: school)
            try refuseDuplicate(of: venue, in: tx.database)
            try tx.set(
                table: NPQSchema.Table.venues, key: RowKey(venue.id), partition: .shared,
                columns: [("city", .text(city)), ("school", .text(school))])
            return venue
        }
    }

    /// Changes a host school's city or name.
    public func editVenue(_ reference: String, city: String?, school: String?) throws -> Venue {
        let city = try city.map { try Validate.text($0, field: "city") }
        let school = try school.map { try Validate.text($0, field: "school") }
        guard city != nil || school != nil else {
            throw FieldbookError(.usage, "say what to change: --city or --school")
        }
        return try write { tx in
            var venue = try venue(reference, in: tx.database)
            if let city { venue.city = city }
            if let school { venue.school = school }
            try refuseDuplicate(of: venue, in: tx.database)
            try tx.set(
                table: NPQSchema.Table.venues, key: RowKey(venue.id), partition: .shared,
                columns: [("city", .text(venue.city)), ("school", .text(venue.school))])
            return venue
        }
    }

    /// Deletes a host school that no event takes place at.
    ///
    /// - Throws: `invalidInput` naming the events still held there: move them first.
    public func deleteVenue(_ reference: String) throws -> Deletion {
        try write { tx in
            let venue = try venue(reference, in: tx.database)
            let hosted = try Row.fetchAll(
                tx.database, sql: "SELECT id, title FROM events WHERE deleted = 0 AND venue_id = ? ORDER BY starts_utc",
                arguments: [venue.id.rawValue.data])
            if let first = hosted.first, let id = first.rowID("id") {
                let count = hosted.count == 1 ? "1 event" : "\(hosted.count) events"
                throw FieldbookError(
                    .invalidInput,
                    "venue \(venue.school) hosts \(count) (first \"\(first["title"] ?? "")\" \(id.short)); move them with `fieldbook event edit EVENT --venue OTHER` first"
                )
            }
            try tx.delete(table: NPQSchema.Table.venues, key: RowKey(venue.id), partition: .shared)
            return Deletion(kind: "venue", id: venue.id, label: "\(venue.school), \(venue.city)")
        }
    }

    /// The venues, by city and school.
    public func venues() throws -> [Venue] {
        try store.read { db in
            try Row.fetchAll(db, sql: "SELECT id, city, school FROM venues WHERE deleted = 0 ORDER BY city, school, id")
                .map { Venue(id: $0.rowID("id")!, city: $0["city"] ?? "", school: $0["school"] ?? "") }
        }
    }

    func venue(_ reference: String, in db: Database) throws -> Venue {
        let id = try Self.venueResolver.resolve(reference, in: db)
        let row = try Row.fetchOne(db, sql: "SELECT * FROM venues WHERE id = ?", arguments: [id.rawValue.data])!
        return Venue(id: id, city: row["city"] ?? "", school: row["school"] ?? "")
    }

    func refuseDuplicate(of venue: Venue, in db: Database) throws {
        let twin = try Row.fetchAll(
            db, sql: "SELECT id, city, school FROM venues WHERE deleted = 0 AND id != ?",
            arguments: [venue.id.rawValue.data]
        ).first {
            NameMatching.folded($0["school"] ?? "") == NameMatching.folded(venue.school)
                && NameMatching.folded($0["city"] ?? "") == NameMatching.folded(venue.city)
        }
        if let twin, let id = twin.rowID("id") {
            throw FieldbookError(
                .invalidInput,
                "venue \(twin["school"] ?? venue.school), \(twin["city"] ?? venue.city) exists already (\(id.short))")
        }
    }

    // MARK: What goes with a delete

    /// The keys of live rows of a table that match a condition.
    func liveKeys(_ table: String, where condition: String, _ arguments: StatementArguments, in db: Database) throws
        -> [RowKey]
    {
        try Row.fetchAll(db, sql: "SELECT id FROM \(table) WHERE deleted = 0 AND \(condition)", arguments: arguments)
            .compactMap { $0.rowID("id").map { RowKey($0) } }
    }

    /// Live attendance rows that match a condition, and how many of them hold a mark
    /// (a cleared mark leaves a row with no status).
    func liveAttendance(where condition: String, _ arguments: StatementArguments, in db: Database) throws
        -> (keys: [RowKey], marked: Int)
    {
        var marked = 0
        let keys = try Row.fetchAll(
            db, sql: "SELECT event_id, participant_id, status FROM attendance WHERE deleted = 0 AND \(condition)",
            arguments: arguments
        ).compactMap { row -> RowKey? in
            guard let event = row.rowID("event_id"), let participant = row.rowID("participant_id") else { return nil }
            if (row["status"] as String?) != nil { marked += 1 }
            return RowKey(event, participant)
        }
        return (keys, marked)
    }

    /// A delete that takes more than its row needs `--force`; say what would go.
    func refuseUnforced(_ deletion: Deletion, force: Bool) throws {
        guard deletion.takesMore, !force else { return }
        throw FieldbookError(
            .usage,
            "\(deletion.kind) \(deletion.label) has \(deletion.consequences), which would be deleted with it; add --force to delete them all"
        )
    }
}
