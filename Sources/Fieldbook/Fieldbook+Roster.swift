import FieldbookCore
import FieldbookStore
import Foundation
import GRDB

extension Fieldbook {
    static let cohortResolver = IDResolver(
        table: NPQSchema.Table.cohorts, noun: "cohort", listCommand: "cohort list", nameColumns: ["name"])
    static let venueResolver = IDResolver(
        table: NPQSchema.Table.venues, noun: "venue", listCommand: "venue list", nameColumns: ["school"])
    static let participantResolver = IDResolver(
        table: NPQSchema.Table.participants, noun: "participant", listCommand: "participant list",
        nameColumns: ["trn"])

    // MARK: Cohorts

    /// Adds a cohort of a programme; the cohort becomes a new partition.
    public func addCohort(programme code: String, name: String, starts: String?) throws -> Cohort {
        guard let programme = Programme.named(code) else {
            let codes = Programme.all.map(\.code).joined(separator: ", ")
            throw FieldbookError(.invalidInput, "programme '\(code)' is not one of \(codes)")
        }
        let name = try Validate.text(name, field: "cohort name")
        let starts = try Validate.date(starts, field: "start date")
        return try write { tx in
            let cohort = Cohort(id: makeID(now: tx.now), programme: programme.code, name: name, starts: starts)
            try tx.set(
                table: NPQSchema.Table.cohorts, key: RowKey(cohort.id), partition: cohort.partition,
                columns: [
                    ("programme_id", .blob(programme.id.rawValue.bytes)), ("name", .text(name)),
                    ("starts", Value(starts)),
                ])
            return cohort
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

    /// The cohort a reference names (ID prefix or exact name).
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

    // MARK: Venues

    /// Adds a host school (shared reference data).
    public func addVenue(city: String, school: String) throws -> Venue {
        let city = try Validate.text(city, field: "city")
        let school = try Validate.text(school, field: "school")
        return try write { tx in
            let venue = Venue(id: makeID(now: tx.now), city: city, school: school)
            try tx.set(
                table: NPQSchema.Table.venues, key: RowKey(venue.id), partition: .shared,
                columns: [("city", .text(city)), ("school", .text(school))])
            return venue
        }
    }

    /// The venues, by city and school.
    public func venues() throws -> [Venue] {
        try store.read { db in
            try Row.fetchAll(db, sql: "SELECT id, city, school FROM venues WHERE deleted = 0 ORDER BY city, school, id")
                .map { Venue(id: $0.rowID("id")!, city: $0["city"] ?? "", school: $0["school"] ?? "") }
        }
    }

    // MARK: Participants

    /// The fields of a new participant, before validation.
    public struct ParticipantInput: Sendable {
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
    public func addParticipant(cohort reference: String, _ input: ParticipantInput) throws -> Participant {
        try addParticipants(cohort: reference, [(line: nil, input)]).first!
    }

    /// Adds participants from CSV text with a header row (`name` required; `trn`,
    /// `school`, `city`, `email` optional, in any order). All or nothing.
    ///
    /// - Throws: `invalidInput` naming the line of the first bad row; nothing is added.
    public func importParticipants(cohort reference: String, csv: String) throws -> [Participant] {
        let records = try CSVReader.records(csv)
        guard let header = records.first else { throw FieldbookError(.invalidInput, "the CSV file is empty") }
        let known = ["name", "trn", "school", "city", "email"]
        let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if let unknown = columns.first(where: { !known.contains($0) }) {
            throw FieldbookError(
                .invalidInput,
                "line \(header.line): unknown column '\(unknown)'; expected \(known.joined(separator: ", "))")
        }
        if let repeated = columns.first(where: { column in columns.filter { $0 == column }.count > 1 }) {
            throw FieldbookError(.invalidInput, "line \(header.line): the header names '\(repeated)' twice")
        }
        guard let nameIndex = columns.firstIndex(of: "name") else {
            throw FieldbookError(.invalidInput, "line \(header.line): the header has no 'name' column")
        }
        var inputs: [(line: Int?, ParticipantInput)] = []
        for record in records.dropFirst() {
            guard record.fields.count == columns.count else {
                throw FieldbookError(
                    .invalidInput,
                    "line \(record.line): \(record.fields.count) fields, but the header has \(columns.count)")
            }
            func field(_ name: String) -> String? { columns.firstIndex(of: name).map { record.fields[$0] } }
            inputs.append(
                (
                    record.line,
                    ParticipantInput(
                        name: record.fields[nameIndex], trn: field("trn"), school: field("school"), city: field("city"),
                        email: field("email"))
                ))
        }
        guard !inputs.isEmpty else { throw FieldbookError(.invalidInput, "the CSV file has a header but no rows") }
        return try addParticipants(cohort: reference, inputs)
    }

    func addParticipants(cohort reference: String, _ inputs: [(line: Int?, ParticipantInput)]) throws -> [Participant] {
        try write { tx in
            let cohort = try cohort(reference, in: tx.database)
            var seenTRNs = Set(
                try String.fetchAll(
                    tx.database,
                    sql: "SELECT trn FROM participants WHERE cohort_id = ? AND deleted = 0 AND trn IS NOT NULL",
                    arguments: [cohort.id.rawValue.data]))
            return try inputs.map { line, input in
                do {
                    let participant = Participant(
                        id: makeID(now: tx.now), cohortID: cohort.id,
                        name: try Validate.text(input.name, field: "name"),
                        trn: try Validate.trn(input.trn),
                        school: try Validate.optionalText(input.school, field: "school"),
                        city: try Validate.optionalText(input.city, field: "city"),
                        email: try Validate.email(input.email))
                    if let trn = participant.trn, !seenTRNs.insert(trn).inserted {
                        throw FieldbookError(.invalidInput, "TRN \(trn) is already in cohort \(cohort.name)")
                    }
                    try tx.set(
                        table: NPQSchema.Table.participants, key: RowKey(participant.id), partition: cohort.partition,
                        columns: [
                            ("cohort_id", .blob(cohort.id.rawValue.bytes)), ("name", .text(participant.name)),
                            ("trn", Value(participant.trn)), ("school", Value(participant.school)),
                            ("city", Value(participant.city)), ("email", Value(participant.email)),
                        ].filter { !$0.1.isNull })
                    return participant
                } catch var error as FieldbookError {
                    if let line { error.message = "line \(line): " + error.message }
                    throw error
                }
            }
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

    static func participant(_ row: Row) -> Participant {
        Participant(
            id: row.rowID("id")!, cohortID: row.rowID("cohort_id") ?? RowID(.zero), name: row["name"] ?? "",
            trn: row["trn"], school: row["school"], city: row["city"], email: row["email"])
    }
}
