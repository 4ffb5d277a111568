import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookServer
import FieldbookTestSupport
import Foundation
import Testing

/// Hand-written requests from a hostile facilitator and a hostile office laptop, over
/// real HTTP to a real `fieldbook-server`, on SQLite and on PostgreSQL: every refused
/// request leaves the server's content exactly as it was, every allowed one lands, and
/// the honest replicas still converge afterwards (docs/SECURITY.md has the table).
@Suite(.serialized)
struct HostileClientTests {
    /// Who sends a case.
    enum Sender: String, Sendable {
        /// A facilitator's token for cohort A, bound to its own replica.
        case facilitator
        /// An office token, bound to its own replica.
        case office
    }

    /// What a case must get.
    enum Outcome: Sendable, Equatable {
        /// HTTP 200, and the server's content grew.
        case merged
        /// HTTP 200, and nothing changed (a replay).
        case noChange
        /// Refused with this code; nothing changed.
        case refused(FieldbookError.Code)
    }

    /// One row of the authorization table.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var sender: Sender
        var outcome: Outcome
        /// The push, given the world and the server's vectors (for next sequence numbers).
        var push: @Sendable (HostileWorld, Forger) -> ChangeBatch
        /// A replica ID the request presents instead of the token's own.
        var presents: (@Sendable (HostileWorld) -> ReplicaID)? = nil

        var testDescription: String { "\(sender) \(name)" }
    }

    /// Writes changes with the next free sequence numbers of their streams, as a laptop would.
    struct Forger: Sendable {
        var held: Knowledge
        var origin: ReplicaID
        var changes: [Change] = []

        func next(_ partition: PartitionID, _ origin: ReplicaID) -> UInt64 {
            held[StreamID(partition: partition, origin: origin)]
                + UInt64(changes.filter { $0.partition == partition && $0.origin == origin }.count) + 1
        }

        /// A batch of one change of `table`.`column` of `key`, labelled `label`.
        func one(
            _ table: String, _ key: RowKey, _ column: String, _ value: Value, label: PartitionID,
            origin: ReplicaID? = nil
        ) -> ChangeBatch {
            var forger = self
            forger.add(table, key, column, value, label: label, origin: origin)
            return forger.batch
        }

        mutating func add(
            _ table: String, _ key: RowKey, _ column: String, _ value: Value, label: PartitionID,
            origin: ReplicaID? = nil
        ) {
            let origin = origin ?? self.origin
            changes.append(
                Change(
                    partition: label, table: table, key: key, column: column, value: value,
                    stamp: Stamp(
                        time: HLC(milliseconds: SystemWallClock().milliseconds(), counter: UInt16(changes.count)),
                        origin: origin),
                    sequence: next(label, origin), previous: nil))
        }

        /// The changes with a range per stream from what the server holds.
        var batch: ChangeBatch {
            var ranges: [StreamID: StreamRange] = [:]
            for change in changes {
                let after = held[change.stream]
                ranges[change.stream] = StreamRange(
                    stream: change.stream, after: after,
                    through: max(change.sequence, ranges[change.stream]?.through ?? 0))
            }
            return ChangeBatch(changes: changes, ranges: ranges.values.sorted { $0.stream < $1.stream })
        }
    }

    static let newKey = RowKey(RowID(Bytes16(high: 0x0190_0000_0000_7abc, low: 0x8000_0000_0000_0001)))
    static let newKey2 = RowKey(RowID(Bytes16(high: 0x0190_0000_0000_7abc, low: 0x8000_0000_0000_0002)))

    static func cohort(_ partition: PartitionID) -> RowKey { RowKey(RowID(partition.rawValue)) }
    static func blob(_ partition: PartitionID) -> Value { .blob(partition.rawValue.bytes) }

    static let cases: [Case] = [
        // Cohorts: a cohort row is its own partition.
        Case(name: "updates its own cohort", sender: .facilitator, outcome: .merged) { w, f in
            f.one("cohorts", cohort(w.a), "name", .text("Shanghai A (spring)"), label: w.a)
        },
        Case(name: "updates cohort B labelled A", sender: .facilitator, outcome: .refused(.scopeDenied)) { w, f in
            f.one("cohorts", cohort(w.b), "name", .text("hijacked"), label: w.a)
        },
        Case(name: "updates cohort B in B", sender: .facilitator, outcome: .refused(.scopeDenied)) { w, f in
            f.one("cohorts", cohort(w.b), "name", .text("hijacked"), label: w.b)
        },
        Case(name: "deletes cohort B labelled A", sender: .facilitator, outcome: .refused(.scopeDenied)) { w, f in
            f.one("cohorts", cohort(w.b), "deleted", .integer(1), label: w.a)
        },
        Case(name: "creates a cohort labelled A", sender: .facilitator, outcome: .refused(.scopeDenied)) { w, f in
            f.one("cohorts", newKey, "name", .text("new"), label: w.a)
        },
        Case(name: "renames cohort B labelled A", sender: .office, outcome: .refused(.scopeDenied)) { w, f in
            f.one("cohorts", cohort(w.b), "name", .text("mislabelled"), label: w.a)
        },
        // Participants: by their cohort_id, fixed for life.
        Case(name: "creates a participant in A", sender: .facilitator, outcome: .merged) { w, f in
            var f = f
            f.add("participants", newKey, "cohort_id", blob(w.a), label: w.a)
            f.add("participants", newKey, "name", .text("New teacher"), label: w.a)
            return f.batch
        },
        Case(name: "creates a participant of B labelled A", sender: .facilitator, outcome: .refused(.scopeDenied)) {
            w, f in
            f.one("participants", newKey2, "cohort_id", blob(w.b), label: w.a)
        },
        Case(name: "updates its own participant", sender: .facilitator, outcome: .merged) { w, f in
            f.one("participants", RowKey(w.participantA), "email", .text("a@example.cn"), label: w.a)
        },
        Case(name: "updates a participant of B labelled A", sender: .facilitator, outcome: .refused(.scopeDenied)) {
            w, f in
            f.one("participants", RowKey(w.participantB), "name", .text("renamed"), label: w.a)
        },
        Case(name: "deletes a participant of B labelled A", sender: .facilitator, outcome: .refused(.scopeDenied)) {
            w, f in
            f.one("participants", RowKey(w.participantB), "deleted", .integer(1), label: w.a)
        },
        Case(name: "moves its participant to B", sender: .facilitator, outcome: .refused(.scopeDenied)) { w, f in
            f.one("participants", RowKey(w.participantA), "cohort_id", blob(w.b), label: w.a)
        },
        Case(name: "moves a participant of A to B", sender: .office, outcome: .refused(.scopeDenied)) { w, f in
            f.one("participants", RowKey(w.participantA), "cohort_id", blob(w.b), label: w.b)
        },
        Case(name: "updates a participant of B in B", sender: .office, outcome: .merged) { w, f in
            f.one("participants", RowKey(w.participantB), "school", .text("Shenzhen Middle School"), label: w.b)
        },
        // Events, attendance (through the event) and notes.
        Case(name: "updates an event of B labelled A", sender: .facilitator, outcome: .refused(.scopeDenied)) { w, f in
            f.one("events", RowKey(w.eventB), "title", .text("cancelled"), label: w.a)
        },
        Case(name: "marks attendance in A", sender: .facilitator, outcome: .merged) { w, f in
            f.one("attendance", RowKey(w.eventA, w.participantA), "remark", .text("left early"), label: w.a)
        },
        Case(name: "marks attendance at B's event labelled A", sender: .facilitator, outcome: .refused(.scopeDenied)) {
            w, f in
            f.one("attendance", RowKey(w.eventB, w.participantB), "status", .text("absent"), label: w.a)
        },
        Case(name: "edits B's note labelled A", sender: .facilitator, outcome: .refused(.scopeDenied)) { w, f in
            f.one("notes", RowKey(w.noteB), "body", .text("edited"), label: w.a)
        },
        Case(name: "deletes B's note labelled A", sender: .facilitator, outcome: .refused(.scopeDenied)) { w, f in
            f.one("notes", RowKey(w.noteB), "deleted", .integer(1), label: w.a)
        },
        // Shared reference data: the office only.
        Case(name: "creates a programme in shared", sender: .facilitator, outcome: .refused(.scopeDenied)) { _, f in
            f.one("programmes", newKey, "code", .text("NPQX"), label: .shared)
        },
        Case(name: "creates a programme labelled A", sender: .facilitator, outcome: .refused(.scopeDenied)) { w, f in
            f.one("programmes", newKey, "code", .text("NPQX"), label: w.a)
        },
        Case(name: "renames a venue labelled A", sender: .facilitator, outcome: .refused(.scopeDenied)) { w, f in
            f.one("venues", RowKey(w.venue), "school", .text("renamed"), label: w.a)
        },
        Case(name: "renames a venue labelled A", sender: .office, outcome: .refused(.scopeDenied)) { w, f in
            f.one("venues", RowKey(w.venue), "school", .text("renamed"), label: w.a)
        },
        Case(name: "updates a programme in shared", sender: .office, outcome: .merged) { w, f in
            f.one("programmes", RowKey(w.programme), "title", .text("Headship (2024)"), label: .shared)
        },
        // Engine tables: devices by their own replica, the ledger in its cell's partition.
        Case(name: "writes its own device record", sender: .facilitator, outcome: .merged) { w, f in
            f.one(
                "devices", PartitionRule.replicaRecordKey(replica: f.origin, partition: w.a), "name",
                .text("mallory's laptop"), label: w.a)
        },
        Case(name: "renames the office's device record", sender: .facilitator, outcome: .refused(.scopeDenied)) {
            w, f in
            f.one(
                "devices", PartitionRule.replicaRecordKey(replica: w.office.store.replicaID, partition: w.a), "name",
                .text("hacked"), label: w.a)
        },
        Case(name: "renames the office's device record", sender: .office, outcome: .refused(.scopeDenied)) { w, f in
            f.one(
                "devices", PartitionRule.replicaRecordKey(replica: w.office.store.replicaID, partition: w.b), "name",
                .text("hacked"), label: w.b)
        },
        Case(name: "resolves B's conflict labelled A", sender: .facilitator, outcome: .refused(.scopeDenied)) { w, f in
            f.one(ConflictEntry.table, w.ledgerB, ConflictEntry.Column.resolvedTime, .integer(1), label: w.a)
        },
        Case(name: "resolves A's conflict as the office", sender: .facilitator, outcome: .refused(.scopeDenied)) {
            w, f in
            f.one(
                ConflictEntry.table, w.ledgerA, ConflictEntry.Column.resolvedBy,
                .blob(w.office.store.replicaID.rawValue.bytes),
                label: w.a)
        },
        Case(name: "resolves A's conflict in its own name", sender: .facilitator, outcome: .merged) { w, f in
            var f = f
            f.add(ConflictEntry.table, w.ledgerA, ConflictEntry.Column.resolvedTime, .integer(1), label: w.a)
            f.add(
                ConflictEntry.table, w.ledgerA, ConflictEntry.Column.resolvedBy, .blob(f.origin.rawValue.bytes),
                label: w.a)
            return f.batch
        },
        Case(name: "re-points A's conflict at a cell of B", sender: .office, outcome: .refused(.scopeDenied)) { w, f in
            f.one(ConflictEntry.table, w.ledgerA, ConflictEntry.Column.rowKey, .blob(w.ledgerB.bytes), label: w.b)
        },
        Case(name: "empties A's conflict's cell key", sender: .facilitator, outcome: .refused(.scopeDenied)) { w, f in
            f.one(ConflictEntry.table, w.ledgerA, ConflictEntry.Column.rowKey, .text("lie"), label: w.a)
        },
        Case(name: "resolves B's conflict labelled A", sender: .office, outcome: .refused(.scopeDenied)) { w, f in
            f.one(ConflictEntry.table, w.ledgerB, ConflictEntry.Column.resolvedTime, .integer(1), label: w.a)
        },
        // Origins and ranges: a facilitator pushes only its own replica's streams.
        Case(name: "pushes a change under the office's origin", sender: .facilitator, outcome: .refused(.scopeDenied)) {
            w, f in
            f.one(
                "participants", RowKey(w.participantA), "email", .text("x"), label: w.a,
                origin: w.office.store.replicaID)
        },
        Case(name: "pushes a change under the server's origin", sender: .facilitator, outcome: .refused(.scopeDenied)) {
            w, f in
            f.one("participants", RowKey(w.participantA), "email", .text("x"), label: w.a, origin: w.serverReplica)
        },
        Case(name: "pushes a change under the server's origin", sender: .office, outcome: .refused(.scopeDenied)) {
            w, f in
            f.one("participants", RowKey(w.participantA), "email", .text("x"), label: w.a, origin: w.serverReplica)
        },
        Case(name: "claims the office's stream one ahead", sender: .facilitator, outcome: .refused(.scopeDenied)) {
            w, f in
            let stream = StreamID(partition: w.a, origin: w.office.store.replicaID)
            return ChangeBatch(ranges: [StreamRange(stream: stream, after: f.held[stream], through: f.held[stream] + 1)]
            )
        },
        Case(name: "claims the office's stream far ahead", sender: .facilitator, outcome: .refused(.scopeDenied)) {
            w, f in
            let stream = StreamID(partition: w.a, origin: w.office.store.replicaID)
            return ChangeBatch(ranges: [StreamRange(stream: stream, after: f.held[stream], through: 0xFFFF_FFF0)])
        },
        Case(name: "claims the server's stream far ahead", sender: .office, outcome: .refused(.scopeDenied)) { w, f in
            let stream = StreamID(partition: w.a, origin: w.serverReplica)
            return ChangeBatch(ranges: [StreamRange(stream: stream, after: f.held[stream], through: 0xFFFF_FFF0)])
        },
        Case(name: "replays the office's changes", sender: .facilitator, outcome: .noChange) { w, f in
            let stream = StreamID(partition: w.a, origin: w.office.store.replicaID)
            return ChangeBatch(ranges: [StreamRange(stream: stream, after: 0, through: f.held[stream])])
        },
        Case(name: "replays its own changes", sender: .facilitator, outcome: .noChange) { w, f in
            let stream = StreamID(partition: w.a, origin: f.origin)
            return ChangeBatch(ranges: [StreamRange(stream: stream, after: 0, through: f.held[stream])])
        },
        Case(name: "replays its own change altered", sender: .facilitator, outcome: .noChange) { w, f in
            let stream = StreamID(partition: w.a, origin: f.origin)
            let altered = Change(
                partition: w.a, table: "participants", key: RowKey(w.participantA), column: "email",
                value: .text("altered@example.cn"),
                stamp: Stamp(time: HLC(milliseconds: SystemWallClock().milliseconds(), counter: 0), origin: f.origin),
                sequence: 1, previous: nil)
            return ChangeBatch(
                changes: [altered], ranges: [StreamRange(stream: stream, after: 0, through: f.held[stream])])
        },
        // The token is bound to its replica: no other replica syncs (or reads a quarantine) with it.
        Case(
            name: "presents the office's replica ID", sender: .facilitator, outcome: .refused(.badToken),
            push: { _, _ in ChangeBatch() }, presents: { $0.office.store.replicaID }),
        Case(
            name: "presents the server's replica ID", sender: .office, outcome: .refused(.badToken),
            push: { _, _ in ChangeBatch() }, presents: { $0.serverReplica }),
    ]

    @Test(arguments: StoreBackend.available)
    func everyCaseGetsItsDocumentedAnswer(backend: StoreBackend) async throws {
        let world = try await HostileWorld.make(backend)
        do {
            try await run(Self.cases, in: world)
            await world.close()
        } catch {
            await world.close()
            throw error
        }
    }

    func run(_ cases: [Case], in world: HostileWorld) async throws {
        // The first round binds each hostile token to its replica.
        for client in [world.mallory, world.rogue] {
            let first = try await client.send(ChangeBatch())
            #expect(first.error == nil, "binding round: \(first)")
        }
        for item in cases {
            let client = item.sender == .facilitator ? world.mallory : world.rogue
            let before = try await world.auditor.dump()
            let push = item.push(world, Forger(held: before.knowledge, origin: client.replica))
            let answer = try await client.send(push, as: item.presents?(world))
            let after = try await world.auditor.dump()
            switch item.outcome {
            case .refused(let code):
                #expect(answer.error?.code == code, "\(item.testDescription): \(answer)")
                if let message = answer.error?.message {
                    #expect(!message.contains("\n"), "\(item.testDescription): one line")
                }
                #expect(after == before, "\(item.testDescription) changed the server")
            case .merged:
                #expect(answer.error == nil, "\(item.testDescription): \(answer)")
                #expect(after.knowledge != before.knowledge, "\(item.testDescription) merged nothing")
            case .noChange:
                #expect(answer.error == nil, "\(item.testDescription): \(answer)")
                #expect(after == before, "\(item.testDescription) changed the server")
            }
        }

        // The honest replicas still sync and converge.
        for (replica, token) in [
            (world.office, "office"), (world.office2, "office2"), (world.wang, "wang"), (world.office, "office"),
            (world.office2, "office2"), (world.wang, "wang"),
        ] {
            try await world.sync(replica, token)
        }
        #expect(
            try canonicalDump(world.office.store, [.data, .ledger])
                == canonicalDump(world.office2.store, [.data, .ledger]))
        let cohortA = world.a.description
        #expect(
            try world.wang.exportAttendance(cohort: cohortA, format: .csv)
                == world.office.exportAttendance(cohort: cohortA, format: .csv))
        #expect(try world.wang.participants(cohort: cohortA).contains { $0.name == "New teacher" })
        #expect(try world.wang.cohorts().map(\.partition) == [world.a], "cohort B never reaches a facilitator of A")
        let server = try String(contentsOfFile: world.server.log, encoding: .utf8)
        #expect(server.contains("sync refused") && server.contains("mallory"), "refusals are logged with the token")
    }
}
