import FieldbookCore
import FieldbookStore
import Foundation
import GRDB

extension Fieldbook {

    /// The fields of a new event, before validation.
    public struct EventInput: Sendable {
        public var kind: String
        public var title: String
        public var starts: String
        public var zone: String
        public var venue: String?
        public var module: Int?

        public init(
            kind: String, title: String, starts: String, zone: String = "Asia/Shanghai", venue: String? = nil,
            module: Int? = nil
        ) {
            self.kind = kind
            self.title = title
            self.starts = starts
            self.zone = zone
            self.venue = venue
            self.module = module
        }
    }

    /// Adds an event to a cohort. Face-to-face sessions need a venue; others have none.
    public func addEvent(cohort reference: String, _ input: EventInput) throws -> Event {
        let kind = try Validate.kind(input.kind)
        let title = try Validate.text(input.title, field: "title")
        let start = try Validate.startTime(input.starts, zone: input.zone)
        if let module = input.module, !(1...99).contains(module) {
            throw FieldbookError(.invalidInput, "module \(module) must be a number from 1 to 99")
        }
        switch (kind, input.venue) {
        case (.faceToFace, nil):
            throw FieldbookError(.invalidInput, "a face-to-face event needs --venue (see `fieldbook venue list`)")
        case (.induction, .some), (.webinar, .some):
            throw FieldbookError(.invalidInput, "--venue is only for face-to-face events, not \(kind.rawValue)")
        default: break
        }
        return try write { tx in
            let cohort = try cohort(reference, in: tx.database)
            let venue = try input.venue.map { try Self.venueResolver.resolve($0, in: tx.database) }
            let event = Event(
                id: makeID(now: tx.now), cohortID: cohort.id, kind: kind, title: title, module: input.module,
                starts: start.local, zone: input.zone, startsUTC: start.utc, venueID: venue)
            try refuseDuplicate(of: event, in: tx.database)
            try tx.set(
                table: NPQSchema.Table.events, key: RowKey(event.id), partition: cohort.partition,
                columns: [
                    ("cohort_id", .blob(cohort.id.rawValue.bytes)), ("kind", .text(kind.rawValue)),
                    ("title", .text(title)), ("module", input.module.map { .integer(Int64($0)) } ?? .null),
                    ("starts", .text(start.local)), ("zone", .text(input.zone)), ("starts_utc", .text(start.utc)),
                    ("venue_id", venue.map { .blob($0.rawValue.bytes) } ?? .null),
                ].filter { !$0.1.isNull })
            return event
        }
    }

    /// The fields of an event to change; nil leaves a field as it is.
    public struct EventChanges: Sendable {
        public var kind: String?
        public var title: String?
        public var starts: String?
        public var zone: String?
        /// A venue reference; `""` removes the venue.
        public var venue: String?
        /// A module number; 0 removes the module.
        public var module: Int?

        public init(
            kind: String? = nil, title: String? = nil, starts: String? = nil, zone: String? = nil,
            venue: String? = nil, module: Int? = nil
        ) {
            self.kind = kind
            self.title = title
            self.starts = starts
            self.zone = zone
            self.venue = venue
            self.module = module
        }

        var isEmpty: Bool {
            kind == nil && title == nil && starts == nil && zone == nil && venue == nil && module == nil
        }
    }

    /// Corrects an event. A new `--zone` alone keeps the local start and moves the
    /// instant; a kind other than face-to-face drops the venue.
    ///
    /// - Throws: `invalidInput` for a bad field, a face-to-face event left without a
    ///   venue, or an event that would duplicate another.
    public func editEvent(_ reference: String, _ changes: EventChanges) throws -> Event {
        guard !changes.isEmpty else {
            throw FieldbookError(.usage, "say what to change: --kind, --title, --starts, --zone, --venue or --module")
        }
        let kind = try changes.kind.map(Validate.kind)
        let title = try changes.title.map { try Validate.text($0, field: "title") }
        if let module = changes.module, !(0...99).contains(module) {
            throw FieldbookError(.invalidInput, "module \(module) must be a number from 1 to 99 (0 removes it)")
        }
        return try write { tx in
            let db = tx.database
            var event = try event(reference, in: db)
            if let kind { event.kind = kind }
            if let title { event.title = title }
            if let module = changes.module { event.module = module == 0 ? nil : module }
            if let venue = changes.venue {
                event.venueID =
                    try venue.trimmingCharacters(in: .whitespaces).isEmpty
                    ? nil : Self.venueResolver.resolve(venue, in: db)
            }
            if event.kind != .faceToFace, kind != nil, changes.venue == nil { event.venueID = nil }
            switch (event.kind, event.venueID) {
            case (.faceToFace, nil):
                throw FieldbookError(
                    .invalidInput, "a face-to-face event needs --venue (see `fieldbook venue list`)")
            case (.induction, .some), (.webinar, .some):
                throw FieldbookError(
                    .invalidInput, "--venue is only for face-to-face events, not \(event.kind.rawValue)")
            default: break
            }
            if changes.starts != nil || changes.zone != nil {
                let zone = changes.zone ?? event.zone
                let start = try Validate.startTime(changes.starts ?? event.starts, zone: zone)
                event.starts = start.local
                event.zone = zone
                event.startsUTC = start.utc
            }
            try refuseDuplicate(of: event, in: db)
            try tx.set(
                table: NPQSchema.Table.events, key: RowKey(event.id), partition: PartitionID(cohort: event.cohortID),
                columns: [
                    ("kind", .text(event.kind.rawValue)), ("title", .text(event.title)),
                    ("module", event.module.map { .integer(Int64($0)) } ?? .null), ("starts", .text(event.starts)),
                    ("zone", .text(event.zone)), ("starts_utc", .text(event.startsUTC)),
                    ("venue_id", event.venueID.map { .blob($0.rawValue.bytes) } ?? .null),
                ])
            return event
        }
    }

    /// Deletes an event, with its attendance marks and the notes about it.
    ///
    /// - Parameter force: needed when marks or notes would go too.
    public func deleteEvent(_ reference: String, force: Bool) throws -> Deletion {
        try write { tx in
            let db = tx.database
            let event = try event(reference, in: db)
            let id = event.id.rawValue.data
            let marks = try liveAttendance(where: "event_id = ?", [id], in: db)
            let notes = try liveKeys(NPQSchema.Table.notes, where: "event_id = ?", [id], in: db)
            let deletion = Deletion(
                kind: "event", id: event.id, label: "\"\(event.title)\" \(event.starts)", marks: marks.marked,
                notes: notes.count)
            try refuseUnforced(deletion, force: force)
            let partition = PartitionID(cohort: event.cohortID)
            for key in marks.keys { try tx.delete(table: NPQSchema.Table.attendance, key: key, partition: partition) }
            for key in notes { try tx.delete(table: NPQSchema.Table.notes, key: key, partition: partition) }
            try tx.delete(table: NPQSchema.Table.events, key: RowKey(event.id), partition: partition)
            return deletion
        }
    }

    /// One session entered twice (same cohort, title and start) would split its register.
    func refuseDuplicate(of event: Event, in db: Database) throws {
        let twin = try Row.fetchAll(
            db, sql: "SELECT id, title FROM events WHERE deleted = 0 AND cohort_id = ? AND starts_utc = ? AND id != ?",
            arguments: [event.cohortID.rawValue.data, event.startsUTC, event.id.rawValue.data]
        ).first { NameMatching.folded($0["title"] ?? "") == NameMatching.folded(event.title) }
        if let twin, let id = twin.rowID("id") {
            throw FieldbookError(
                .invalidInput,
                "event \"\(twin["title"] ?? event.title)\" at \(event.starts) \(event.zone) exists already in this cohort (\(id.short))"
            )
        }
    }

    /// Events, of one cohort or all, by start time.
    public func events(cohort reference: String? = nil) throws -> [Event] {
        try store.read { db in
            var sql = "SELECT * FROM events WHERE deleted = 0"
            var arguments: StatementArguments = []
            if let reference {
                sql += " AND cohort_id = ?"
                arguments = [try cohort(reference, in: db).id.rawValue.data]
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY starts_utc, id", arguments: arguments).map(Self.event)
        }
    }

    func event(_ reference: String, in db: Database) throws -> Event {
        let id = try Self.eventResolver.resolve(reference, in: db)
        return Self.event(
            try Row.fetchOne(db, sql: "SELECT * FROM events WHERE id = ?", arguments: [id.rawValue.data])!)
    }

    static func event(_ row: Row) -> Event {
        Event(
            id: row.rowID("id")!, cohortID: row.rowID("cohort_id") ?? RowID(.zero),
            kind: EventKind(rawValue: row["kind"] ?? "") ?? .webinar, title: row["title"] ?? "",
            module: row["module"], starts: row["starts"] ?? "", zone: row["zone"] ?? "",
            startsUTC: row["starts_utc"] ?? "", venueID: row.rowID("venue_id"))
    }
}
