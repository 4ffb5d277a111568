import FieldbookCore
import FieldbookStore
import Foundation
import GRDB

extension Fieldbook {
    /// The fields of a new participant, before validation.
    public struct ParticipantInput: Sendable, Codable {
        public var name: String
        public var trn: String?
        public var school: String?
        public var city: String?
        public var email: String?

        public init(name: String, trn: String? = nil, school: String? = nil, city: String? = nil, email: String? = nil)
        {
            self.name = name
            self.trn = trn
            self.school = school
            self.city = city
            self.email = email
        }
    }

    /// Adds one participant to a cohort.
    ///
    /// - Throws: `invalidInput` for a bad field or a TRN already in the cohort.
    public func addParticipant(cohort reference: String, _ input: ParticipantInput) throws -> Participant {
        let name = try Validate.text(input.name, field: "name")
        let validated = ParticipantInput(
            name: name, trn: try Validate.trn(input.trn),
            school: try Validate.optionalText(input.school, field: "school"),
            city: try Validate.optionalText(input.city, field: "city"), email: try Validate.email(input.email))
        return try write { tx in
            let cohort = try cohort(reference, in: tx.database)
            if let trn = validated.trn, let known = try participant(trn: trn, cohort: cohort.id, in: tx.database) {
                throw FieldbookError(
                    .invalidInput,
                    "TRN \(trn) is already in cohort \(cohort.programme) \(cohort.name) (\(known.name), \(known.id.short))"
                )
            }
            return try insertParticipant(validated, cohort: cohort, tx: tx)
        }
    }

    func insertParticipant(_ input: ParticipantInput, cohort: Cohort, tx: LocalTransaction) throws -> Participant {
        let participant = Participant(
            id: makeID(now: tx.now), cohortID: cohort.id, name: input.name, trn: input.trn, school: input.school,
            city: input.city, email: input.email)
        try tx.insert(
            table: NPQSchema.Table.participants, key: RowKey(participant.id), partition: cohort.partition,
            columns: [
                ("cohort_id", .blob(cohort.id.rawValue.bytes)), ("name", .text(participant.name)),
                ("trn", Value(participant.trn)), ("school", Value(participant.school)),
                ("city", Value(participant.city)), ("email", Value(participant.email)),
            ].filter { !$0.1.isNull })
        return participant
    }

    /// The fields of a participant to change: nil leaves a field, `""` clears an optional one.
    public struct ParticipantChanges: Sendable {
        public var name: String?
        public var trn: String?
        public var school: String?
        public var city: String?
        public var email: String?

        public init(
            name: String? = nil, trn: String? = nil, school: String? = nil, city: String? = nil, email: String? = nil
        ) {
            self.name = name
            self.trn = trn
            self.school = school
            self.city = city
            self.email = email
        }

        var isEmpty: Bool { [name, trn, school, city, email].allSatisfy { $0 == nil } }
    }

    /// Corrects a participant's fields; the cohort stays (a participant's rows live in
    /// its cohort's partition for life).
    public func editParticipant(_ reference: String, _ changes: ParticipantChanges) throws -> Participant {
        guard !changes.isEmpty else {
            throw FieldbookError(.usage, "say what to change: --name, --trn, --school, --city or --email")
        }
        let name = try changes.name.map { try Validate.text($0, field: "name") }
        let trn = try changes.trn.map { try Validate.trn($0) }
        let school = try changes.school.map { try Validate.optionalText($0, field: "school") }
        let city = try changes.city.map { try Validate.optionalText($0, field: "city") }
        let email = try changes.email.map { try Validate.email($0) }
        return try write { tx in
            var participant = try participant(reference, in: tx.database)
            if let name { participant.name = name }
            if let trn { participant.trn = trn }
            if let school { participant.school = school }
            if let city { participant.city = city }
            if let email { participant.email = email }
            if let trn = participant.trn,
                let twin = try self.participant(
                    trn: trn, cohort: participant.cohortID, in: tx.database), twin.id != participant.id
            {
                throw FieldbookError(
                    .invalidInput, "TRN \(trn) is already \(twin.name)'s (\(twin.id.short)) in this cohort")
            }
            var columns: [(String, Value)] = []
            if name != nil { columns.append(("name", .text(participant.name))) }
            if trn != nil { columns.append(("trn", Value(participant.trn))) }
            if school != nil { columns.append(("school", Value(participant.school))) }
            if city != nil { columns.append(("city", Value(participant.city))) }
            if email != nil { columns.append(("email", Value(participant.email))) }
            try tx.set(
                table: NPQSchema.Table.participants, key: RowKey(participant.id),
                partition: PartitionID(cohort: participant.cohortID), columns: columns)
            return participant
        }
    }

    /// Deletes a participant, with their attendance marks and the notes about them.
    ///
    /// - Parameter force: needed when marks or notes would go too.
    public func deleteParticipant(_ reference: String, force: Bool) throws -> Deletion {
        try write { tx in
            let db = tx.database
            let participant = try participant(reference, in: db)
            let id = participant.id.rawValue.data
            let marks = try liveAttendance(where: "participant_id = ?", [id], in: db)
            let notes = try liveKeys(NPQSchema.Table.notes, where: "participant_id = ?", [id], in: db)
            let deletion = Deletion(
                kind: "participant", id: participant.id, label: participant.label, marks: marks.marked,
                notes: notes.count)
            try refuseUnforced(deletion, force: force)
            let partition = PartitionID(cohort: participant.cohortID)
            for key in marks.keys { try tx.delete(table: NPQSchema.Table.attendance, key: key, partition: partition) }
            for key in notes { try tx.delete(table: NPQSchema.Table.notes, key: key, partition: partition) }
            try tx.delete(table: NPQSchema.Table.participants, key: RowKey(participant.id), partition: partition)
            return deletion
        }
    }

    /// Participants, of one cohort or all, by name.
    public func participants(cohort reference: String? = nil) throws -> [Participant] {
        try store.read { db in
            var sql = "SELECT * FROM participants WHERE deleted = 0"
            var arguments: StatementArguments = []
            if let reference {
                sql += " AND cohort_id = ?"
                arguments = [try cohort(reference, in: db).id.rawValue.data]
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY name, id", arguments: arguments).map(Self.participant)
        }
    }

    /// The participant a reference names: ID prefix, TRN or name (or its pinyin).
    ///
    /// - Parameter cohort: when given, the cohort's participants are searched first, so
    ///   two people of one name in different cohorts are told apart by the event; a
    ///   reference that names no one there is looked up everywhere (the caller says that
    ///   person is in another cohort).
    func participant(_ reference: String, in db: Database, cohort: RowID? = nil) throws -> Participant {
        var id: RowID?
        if let cohort {
            do {
                id = try Self.participantResolver.resolve(
                    reference, in: db, filter: "t.cohort_id = ?", arguments: [cohort.rawValue.data])
            } catch let error as FieldbookError where error.code == .notFound {}
        }
        let found = try id ?? Self.participantResolver.resolve(reference, in: db)
        return Self.participant(
            try Row.fetchOne(db, sql: "SELECT * FROM participants WHERE id = ?", arguments: [found.rawValue.data])!)
    }

    func participant(trn: String, cohort: RowID, in db: Database) throws -> Participant? {
        try Row.fetchOne(
            db, sql: "SELECT * FROM participants WHERE deleted = 0 AND cohort_id = ? AND trn = ? ORDER BY id",
            arguments: [cohort.rawValue.data, trn]
        ).map(Self.participant)
    }

    static func participant(_ row: Row) -> Participant {
        Participant(
            id: row.rowID("id")!, cohortID: row.rowID("cohort_id") ?? RowID(.zero), name: row["name"] ?? "",
            trn: row["trn"], school: row["school"], city: row["city"], email: row["email"])
    }
}

extension Participant {
    /// "Li Wei (TRN 1234567)", or the name alone.
    public var label: String { name + (trn.map { " (TRN \($0))" } ?? "") }
}
