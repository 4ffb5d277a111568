import FieldbookCore
import FieldbookStore
import Foundation
import GRDB

extension Fieldbook {
    static let eventResolver = IDResolver(table: NPQSchema.Table.events, noun: "event", listCommand: "event list")

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

    // MARK: Attendance

    /// Marks a participant's attendance at an event (one record per event and
    /// participant, whoever marks it).
    ///
    /// - Throws: `invalidInput` for a bad status or a participant of another cohort.
    @discardableResult
    public func attend(
        event eventReference: String, participant participantReference: String, status: String, remark: String?
    )
        throws -> RegisterLine
    {
        let status = try Validate.status(status)
        let remark = try Validate.optionalText(remark, field: "remark", limit: 500)
        return try write { tx in
            let event = try event(eventReference, in: tx.database)
            let participantID = try Self.participantResolver.resolve(participantReference, in: tx.database)
            let participant = Self.participant(
                try Row.fetchOne(
                    tx.database, sql: "SELECT * FROM participants WHERE id = ?",
                    arguments: [participantID.rawValue.data])!)
            guard participant.cohortID == event.cohortID else {
                throw FieldbookError(
                    .invalidInput,
                    "\(participant.name) is not in the cohort of event '\(event.title)'; check the event and participant IDs"
                )
            }
            // A new mark replaces the whole mark: without a remark, the old remark goes.
            let columns: [(String, Value)] = [
                ("status", .text(status.rawValue)), ("remark", remark.map(Value.text) ?? .null),
            ]
            try tx.set(
                table: NPQSchema.Table.attendance, key: RowKey(event.id, participant.id),
                partition: PartitionID(cohort: event.cohortID), columns: columns)
            return RegisterLine(participant: participant, status: status.rawValue, remark: remark)
        }
    }

    /// An event's register: every participant of its cohort with their mark or `unmarked`.
    public func register(event reference: String) throws -> (event: Event, lines: [RegisterLine]) {
        try store.read { db in
            let event = try event(reference, in: db)
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT p.*, a.status AS mark, a.remark AS mark_remark FROM participants p
                    LEFT JOIN attendance a ON a.event_id = ? AND a.participant_id = p.id AND a.deleted = 0
                    WHERE p.cohort_id = ? AND p.deleted = 0 ORDER BY p.name, p.id
                    """, arguments: [event.id.rawValue.data, event.cohortID.rawValue.data])
            return (
                event,
                rows.map {
                    RegisterLine(
                        participant: Self.participant($0), status: $0["mark"] ?? "unmarked", remark: $0["mark_remark"])
                }
            )
        }
    }
}
