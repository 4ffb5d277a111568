import FieldbookCore
import Testing

/// The row-level rule on its own: every table's partition is derived from the row, and
/// a change is refused when its label, its writer's rights or its origin disagree.
struct RowAuthorizerTests {
    typealias M = Make

    static let cohortA = PartitionID(Bytes16(high: 0x0190_0000_0000_7001, low: 0xA))
    static let cohortB = PartitionID(Bytes16(high: 0x0190_0000_0000_7001, low: 0xB))
    static let office = WriterRights.anyPartition(name: "token 'office'")
    /// A facilitator of cohort A whose token is bound to replica A.
    static let facilitatorA = WriterRights(partitions: [cohortA], origin: M.a, name: "token 'wang'")

    /// The NPQ rules on small tables, so the core needs no domain module.
    static let schema = ReplicatedSchema(
        version: 1,
        tables: [
            TableSchema(
                name: "cohorts", keyColumns: ["id"], columns: [ColumnSchema("name", .text)], partitionRule: .ownKey),
            TableSchema(
                name: "venues", keyColumns: ["id"], columns: [ColumnSchema("city", .text)], partitionRule: .shared),
            TableSchema(
                name: "people", keyColumns: ["id"],
                columns: [ColumnSchema("cohort_id", .blob), ColumnSchema("name", .text)],
                partitionRule: .column("cohort_id")),
            TableSchema(
                name: "events", keyColumns: ["id"], columns: [ColumnSchema("cohort_id", .blob)],
                partitionRule: .column("cohort_id")),
            TableSchema(
                name: "marks", keyColumns: ["event_id", "person_id"], columns: [ColumnSchema("status", .text)],
                partitionRule: .keyReference(table: "events", keyPart: 0)),
            TableSchema(
                name: "devices", keyColumns: ["id"],
                columns: [ColumnSchema("replica_id", .blob), ColumnSchema("name", .text)],
                partitionRule: .replicaRecord(replicaColumn: "replica_id")),
        ])

    static let personOfB = RowKey(RowID(Bytes16(high: 0x0190_0000_0000_7002, low: 1)))
    static let eventOfB = RowID(Bytes16(high: 0x0190_0000_0000_7003, low: 1))
    static let newRow = RowKey(RowID(Bytes16(high: 0x0190_0000_0000_7004, low: 1)))

    /// A replica holding a participant and an event of cohort B.
    static func replica() -> MemoryReplica {
        let replica = MemoryReplica(M.c)
        let stamp = M.stamp(1_000, M.b)
        replica.winners[CellAddress(table: "people", key: personOfB, column: "cohort_id")] = CellVersion(
            stamp: stamp, previous: nil, value: .blob(cohortB.rawValue.bytes))
        replica.winners[CellAddress(table: "events", key: RowKey(eventOfB), column: "cohort_id")] = CellVersion(
            stamp: stamp, previous: nil, value: .blob(cohortB.rawValue.bytes))
        return replica
    }

    static func change(
        _ table: String, _ key: RowKey, _ column: String, _ value: Value, in partition: PartitionID,
        by origin: ReplicaID = M.a
    ) -> Change {
        Change(
            partition: partition, table: table, key: key, column: column, value: value,
            stamp: M.stamp(2_000, origin), sequence: 1, previous: nil)
    }

    /// One row of the table: a change, who sends it, and whether it is refused.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var change: Change
        var rights: WriterRights
        var refused: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        let a = cohortA
        let b = cohortB
        let ownCohort = RowKey(RowID(a.rawValue))
        let markOfB = RowKey(eventOfB, RowID(Bytes16(high: 1, low: 1)))
        let deviceA = PartitionRule.replicaRecordKey(replica: M.a, partition: a)
        let deviceB = PartitionRule.replicaRecordKey(replica: M.b, partition: a)
        return [
            Case(
                name: "cohort renamed in its own partition",
                change: change("cohorts", ownCohort, "name", .text("x"), in: a), rights: facilitatorA, refused: false),
            Case(
                name: "cohort B renamed under label A",
                change: change("cohorts", RowKey(RowID(b.rawValue)), "name", .text("x"), in: a), rights: facilitatorA,
                refused: true),
            Case(
                name: "venue written by the office",
                change: change("venues", newRow, "city", .text("Wuhan"), in: .shared), rights: office, refused: false),
            Case(
                name: "venue written by a facilitator under label A",
                change: change("venues", newRow, "city", .text("Wuhan"), in: a), rights: facilitatorA, refused: true),
            Case(
                name: "venue written by a facilitator in shared",
                change: change("venues", newRow, "city", .text("Wuhan"), in: .shared), rights: facilitatorA,
                refused: true),
            Case(
                name: "participant of B renamed under label A",
                change: change("people", personOfB, "name", .text("x"), in: a), rights: facilitatorA, refused: true),
            Case(
                name: "participant of B renamed by the office in B",
                change: change("people", personOfB, "name", .text("x"), in: b, by: M.b), rights: office, refused: false),
            Case(
                name: "participant of B moved to A",
                change: change("people", personOfB, "cohort_id", .blob(a.rawValue.bytes), in: a), rights: facilitatorA,
                refused: true),
            Case(
                name: "participant of B moved to A by the office",
                change: change("people", personOfB, "cohort_id", .blob(a.rawValue.bytes), in: a), rights: office,
                refused: true),
            Case(
                name: "new participant created in A",
                change: change("people", newRow, "cohort_id", .blob(a.rawValue.bytes), in: a), rights: facilitatorA,
                refused: false),
            Case(
                name: "new participant of B labelled A",
                change: change("people", newRow, "cohort_id", .blob(b.rawValue.bytes), in: a), rights: facilitatorA,
                refused: true),
            Case(
                name: "participant with a malformed cohort_id",
                change: change("people", newRow, "cohort_id", .text("A"), in: a), rights: facilitatorA, refused: true),
            Case(
                name: "attendance at an event of B under label A",
                change: change("marks", markOfB, "status", .text("present"), in: a), rights: facilitatorA, refused: true
            ),
            Case(
                name: "attendance at an event of B by the office in B",
                change: change("marks", markOfB, "status", .text("present"), in: b), rights: office, refused: false),
            Case(
                name: "own device record", change: change("devices", deviceA, "name", .text("wang"), in: a),
                rights: facilitatorA, refused: false),
            Case(
                name: "another replica's device record", change: change("devices", deviceB, "name", .text("x"), in: a),
                rights: facilitatorA, refused: true),
            Case(
                name: "own device record naming another replica",
                change: change("devices", deviceA, "replica_id", .blob(M.b.rawValue.bytes), in: a),
                rights: facilitatorA, refused: true),
            Case(
                name: "a change under another origin",
                change: change("people", newRow, "name", .text("x"), in: a, by: M.b), rights: facilitatorA,
                refused: true),
            Case(
                name: "a change in a partition the token does not open",
                change: change("people", newRow, "name", .text("x"), in: b), rights: facilitatorA, refused: true),
            Case(
                name: "a change under the receiver's own origin",
                change: change("people", newRow, "name", .text("x"), in: a, by: M.c), rights: office, refused: true),
            Case(
                name: "a table no rule describes keeps its label",
                change: change("items", newRow, "name", .text("x"), in: a), rights: facilitatorA, refused: false),
        ]
    }()

    @Test(arguments: cases) func authorizes(_ item: Case) throws {
        var authorizer = RowAuthorizer(schema: Self.schema, rights: item.rights, receiver: M.c)
        if item.refused {
            let error = #expect(throws: FieldbookError.self) {
                try authorizer.authorize(item.change, in: Self.replica())
            }
            #expect(error?.code == .scopeDenied)
            #expect(error?.message.contains("nothing was merged") == true)
            #expect(error?.message.contains("\n") == false, "one line")
        } else {
            #expect(try authorizer.authorize(item.change, in: Self.replica()) == item.change.partition)
        }
    }

    @Test func refusalNamesTheTokenAndTheRow() throws {
        var authorizer = RowAuthorizer(schema: Self.schema, rights: Self.facilitatorA, receiver: M.c)
        let change = Self.change("people", Self.personOfB, "name", .text("x"), in: Self.cohortA)
        let error = #expect(throws: FieldbookError.self) { try authorizer.authorize(change, in: Self.replica()) }
        #expect(error?.message.contains("token 'wang'") == true)
        #expect(error?.message.contains("people row \(Self.personOfB)") == true)
        #expect(
            error?.message.contains(Self.cohortB.description) == false, "never names a partition the token may not read"
        )
    }

    @Test func aRowCreatedEarlierInTheBatchDecidesLaterColumns() throws {
        var authorizer = RowAuthorizer(schema: Self.schema, rights: Self.facilitatorA, receiver: M.c)
        let replica = Self.replica()
        let create = Self.change(
            "people", Self.newRow, "cohort_id", .blob(Self.cohortA.rawValue.bytes), in: Self.cohortA)
        #expect(try authorizer.authorize(create, in: replica) == Self.cohortA)
        // Same authorizer (one batch): the row is now known to be A's, so a B label is refused.
        var office = RowAuthorizer(schema: Self.schema, rights: Self.office, receiver: M.c)
        _ = try office.authorize(create, in: replica)
        let relabelled = Self.change("people", Self.newRow, "name", .text("x"), in: Self.cohortB, by: M.b)
        #expect(throws: FieldbookError.self) { try office.authorize(relabelled, in: replica) }
    }

    @Test func ledgerEntryLivesInItsCellsPartition() throws {
        let replica = Self.replica()
        let ledger = RowKey(RowID(Bytes16(high: 0x0190_0000_0000_7005, low: 1)))
        func entry(_ column: String, _ value: Value, in partition: PartitionID, by origin: ReplicaID = M.a) -> Change {
            Self.change(ConflictEntry.table, ledger, column, value, in: partition, by: origin)
        }
        replica.winners[CellAddress(table: ConflictEntry.table, key: ledger, column: ConflictEntry.Column.table)] =
            CellVersion(stamp: M.stamp(1_000, M.b), previous: nil, value: .text("people"))
        var facilitator = RowAuthorizer(schema: Self.schema, rights: Self.facilitatorA, receiver: M.c)
        // The key column names a participant of B: the entry is B's, not A's to write.
        #expect(throws: FieldbookError.self) {
            try facilitator.authorize(
                entry(ConflictEntry.Column.rowKey, .blob(Self.personOfB.bytes), in: Self.cohortA), in: replica)
        }
        replica.winners[CellAddress(table: ConflictEntry.table, key: ledger, column: ConflictEntry.Column.rowKey)] =
            CellVersion(stamp: M.stamp(1_000, M.b), previous: nil, value: .blob(Self.personOfB.bytes))
        // Resolving it from A is refused; B's writer resolves it in B, in its own name only.
        #expect(throws: FieldbookError.self) {
            try facilitator.authorize(
                entry(ConflictEntry.Column.resolvedTime, .integer(1), in: Self.cohortA), in: replica)
        }
        var office = RowAuthorizer(schema: Self.schema, rights: Self.office, receiver: M.c)
        #expect(
            try office.authorize(
                entry(ConflictEntry.Column.resolvedTime, .integer(1), in: Self.cohortB, by: M.b), in: replica)
                == Self.cohortB)
        #expect(throws: FieldbookError.self) {
            try office.authorize(
                entry(ConflictEntry.Column.resolvedBy, .blob(M.a.rawValue.bytes), in: Self.cohortB, by: M.b),
                in: replica)
        }
    }

    /// An entry's cell is fixed: rewriting its key column (to another row, or to a value
    /// that names no cell, which would leave its partition undecided and the label
    /// standing) is refused, as the simulation's byzantine laptop found (seed 79).
    @Test func aLedgerEntryCannotBeRepointedOrEmptied() throws {
        let replica = Self.replica()
        let personOfA = RowKey(RowID(Bytes16(high: 0x0190_0000_0000_7002, low: 2)))
        replica.winners[CellAddress(table: "people", key: personOfA, column: "cohort_id")] = CellVersion(
            stamp: M.stamp(1_000, M.b), previous: nil, value: .blob(Self.cohortA.rawValue.bytes))
        let decoy = PartitionID(Bytes16(high: 0x0190_0000_0000_7001, low: 0xD))
        let ledger = RowKey(RowID(Bytes16(high: 0x0190_0000_0000_7005, low: 2)))
        func entry(_ column: String, _ value: Value, in partition: PartitionID) -> Change {
            Self.change(ConflictEntry.table, ledger, column, value, in: partition, by: M.a)
        }
        replica.winners[CellAddress(table: ConflictEntry.table, key: ledger, column: ConflictEntry.Column.table)] =
            CellVersion(stamp: M.stamp(1_000, M.b), previous: nil, value: .text("people"))
        replica.winners[CellAddress(table: ConflictEntry.table, key: ledger, column: ConflictEntry.Column.rowKey)] =
            CellVersion(stamp: M.stamp(1_000, M.b), previous: nil, value: .blob(personOfA.bytes))
        // A token for A and a decoy partition D: the lie is labelled D.
        let rights = WriterRights(partitions: [Self.cohortA, decoy], origin: M.a, name: "token 'byzantine'")
        var facilitator = RowAuthorizer(schema: Self.schema, rights: rights, receiver: M.c)
        for lie in [
            entry(ConflictEntry.Column.rowKey, .text("lie"), in: decoy),
            entry(ConflictEntry.Column.rowKey, .blob(Self.personOfB.bytes), in: decoy),
            entry(ConflictEntry.Column.table, .text("events"), in: decoy),
            entry(ConflictEntry.Column.table, .null, in: Self.cohortA),
        ] {
            #expect(throws: FieldbookError.self, "\(lie)") { try facilitator.authorize(lie, in: replica) }
        }
        // The same cell written again (a second detector of the conflict) stands.
        #expect(
            try facilitator.authorize(
                entry(ConflictEntry.Column.rowKey, .blob(personOfA.bytes), in: Self.cohortA), in: replica)
                == Self.cohortA)
    }

    @Test func rangesOfOtherOriginsAndOfTheReceiverAreRefused() throws {
        let facilitator = RowAuthorizer(schema: Self.schema, rights: Self.facilitatorA, receiver: M.c)
        let own = StreamRange(stream: StreamID(partition: Self.cohortA, origin: M.a), after: 0, through: 5)
        try facilitator.authorize(own, held: 0)
        let forged = StreamRange(stream: StreamID(partition: Self.cohortA, origin: M.b), after: 0, through: 1 << 31)
        #expect(throws: FieldbookError.self) { try facilitator.authorize(forged, held: 0) }
        // Sending back what the receiver holds already is no relay: it changes nothing.
        try facilitator.authorize(StreamRange(stream: forged.stream, after: 0, through: 7), held: 7)
        let office = RowAuthorizer(schema: Self.schema, rights: Self.office, receiver: M.c)
        let receivers = StreamRange(stream: StreamID(partition: Self.cohortA, origin: M.c), after: 0, through: 9)
        try office.authorize(receivers, held: 9)
        #expect(throws: FieldbookError.self) { try office.authorize(receivers, held: 8) }
    }
}
