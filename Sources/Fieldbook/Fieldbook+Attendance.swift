import FieldbookCore
import FieldbookStore
import Foundation
import GRDB

extension Fieldbook {
    /// What `attend` may write: a status, or `unmarked` to clear a mark.
    static let unmarked = "unmarked"

    /// Marks a participant's attendance at an event (one record per event and
    /// participant, whoever marks it), or clears the mark with status `unmarked`.
    ///
    /// - Parameters:
    ///   - participant: ID prefix, TRN or name; the event's cohort is searched first.
    /// - Throws: `invalidInput` for a bad status or a participant of another cohort.
    @discardableResult
    public func attend(
        event eventReference: String, participant participantReference: String, status: String, remark: String?
    ) throws -> RegisterLine {
        let status = try Self.markStatus(status)
        let remark = try Validate.optionalText(remark, field: "remark", limit: 500)
        if status == nil, remark != nil {
            throw FieldbookError(.usage, "--remark goes with a mark; `unmarked` clears the mark and its remark")
        }
        return try write { tx in
            let event = try event(eventReference, in: tx.database)
            let participant = try participant(participantReference, in: tx.database, cohort: event.cohortID)
            try requireSameCohort(participant, event)
            return try mark(participant, at: event, status: status, remark: remark, tx: tx)
        }
    }

    /// One exception to `--all`: these participants get this status instead.
    public struct MarkException: Sendable {
        public var participants: [String]
        public var status: String

        public init(participants: [String], status: String) {
            self.participants = participants
            self.status = status
        }
    }

    /// Marks everyone in the event's cohort with one status, except the people named in
    /// `exceptions` (the roll-call shortcut: "all present but these two absent"), in one
    /// transaction: every name is checked before anything is written.
    ///
    /// - Throws: `invalidInput` for a bad status, an unknown or ambiguous name, a person
    ///   of another cohort, or a person named twice; nothing is marked.
    public func attendAll(event eventReference: String, status: String, except exceptions: [MarkException]) throws
        -> [RegisterLine]
    {
        let everyone = try Self.markStatus(status)
        let statuses = try exceptions.map { try Self.markStatus($0.status) }
        return try write { tx in
            let db = tx.database
            let event = try event(eventReference, in: db)
            var chosen: [RowID: AttendanceStatus?] = [:]
            for (exception, status) in zip(exceptions, statuses) {
                for reference in exception.participants {
                    let participant = try participant(reference, in: db, cohort: event.cohortID)
                    try requireSameCohort(participant, event)
                    guard chosen.updateValue(status, forKey: participant.id) == nil else {
                        throw FieldbookError(
                            .invalidInput, "\(participant.label) is named twice in --except; name each person once")
                    }
                }
            }
            let roster = try Row.fetchAll(
                db, sql: "SELECT * FROM participants WHERE cohort_id = ? AND deleted = 0 ORDER BY name, id",
                arguments: [event.cohortID.rawValue.data]
            ).map(Self.participant)
            return try roster.map { participant in
                try mark(participant, at: event, status: chosen[participant.id] ?? everyone, remark: nil, tx: tx)
            }
        }
    }

    /// Writes one mark (or clears it, for a nil status). A mark without a remark keeps
    /// the remark already there (written again with the status under one stamp: status
    /// and remark are one column group, so the mark wins or loses whole); clearing clears
    /// both, and writes nothing when there was no mark.
    func mark(
        _ participant: Participant, at event: Event, status: AttendanceStatus?, remark: String?, tx: LocalTransaction
    ) throws -> RegisterLine {
        let key = RowKey(event.id, participant.id)
        let partition = PartitionID(cohort: event.cohortID)
        guard let status else {
            let current = try Row.fetchOne(
                tx.database,
                sql: "SELECT status, remark FROM attendance WHERE event_id = ? AND participant_id = ? AND deleted = 0",
                arguments: [event.id.rawValue.data, participant.id.rawValue.data])
            if let current, (current["status"] as String?) != nil || (current["remark"] as String?) != nil {
                try tx.set(
                    table: NPQSchema.Table.attendance, key: key, partition: partition,
                    columns: [("status", .null), ("remark", .null)])
            }
            return RegisterLine(participant: participant, status: Self.unmarked, remark: nil)
        }
        var columns: [(String, Value)] = [("status", .text(status.rawValue))]
        if let remark { columns.append(("remark", .text(remark))) }
        try tx.set(table: NPQSchema.Table.attendance, key: key, partition: partition, columns: columns)
        return RegisterLine(participant: participant, status: status.rawValue, remark: remark)
    }

    func requireSameCohort(_ participant: Participant, _ event: Event) throws {
        guard participant.cohortID == event.cohortID else {
            throw FieldbookError(
                .invalidInput,
                "\(participant.name) is not in the cohort of event '\(event.title)'; check the event and participant IDs"
            )
        }
    }

    /// A status to mark, or nil for `unmarked`.
    static func markStatus(_ value: String) throws -> AttendanceStatus? {
        if value.lowercased() == unmarked { return nil }
        return try Validate.status(value)
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
            let contested = try Self.openMarkConflicts(in: db, event: event.id)
            return (
                event,
                rows.map {
                    let participant = Self.participant($0)
                    return RegisterLine(
                        participant: participant, status: $0["mark"] ?? Self.unmarked,
                        remark: ($0["mark"] as String?) == nil ? nil : $0["mark_remark"],
                        openConflict: contested.contains(RowKey(event.id, participant.id)))
                }
            )
        }
    }

    /// The attendance rows (event, participant) with an open conflict: any unresolved
    /// ledger entry for a cell of the mark, whichever column it was filed for (a mark's
    /// status and remark are one column group, so one contested mark may have two).
    ///
    /// - Parameter event: only this event's marks; every mark when `nil`.
    static func openMarkConflicts(in db: Database, event: RowID? = nil) throws -> Set<RowKey> {
        var sql = """
            SELECT \(ConflictEntry.Column.rowKey) FROM conflicts
            WHERE deleted = 0 AND \(ConflictEntry.Column.resolvedTime) IS NULL
              AND \(ConflictEntry.Column.table) = '\(NPQSchema.Table.attendance)' AND \(completeEntry)
            """
        var arguments: StatementArguments = []
        if let event {
            // A mark's key is the event's ID then the participant's, 16 bytes each.
            sql += " AND substr(\(ConflictEntry.Column.rowKey), 1, 16) = ?"
            arguments = [event.rawValue.data]
        }
        return Set(try Data.fetchAll(db, sql: sql, arguments: arguments).compactMap { RowKey(bytes: [UInt8]($0)) })
    }
}
