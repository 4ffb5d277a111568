import Fieldbook
import FieldbookCore
import FieldbookStore
import FieldbookTestSupport
import GRDB
import Testing

/// Concurrent marks, the ledger and resolution, through the NPQ facade.
struct ConflictsTests {
    /// The office and two facilitators, each with the roster, then offline.
    struct Term {
        let clocks: [ManualWallClock]
        let office: Fieldbook
        let a: Fieldbook
        let b: Fieldbook
        let roster: NPQFixture.Roster

        init(offsets: (a: UInt64, b: UInt64) = (0, 0)) throws {
            clocks = [
                ManualWallClock(), ManualWallClock(ManualWallClock.defaultStart + 60_000 + offsets.a),
                ManualWallClock(ManualWallClock.defaultStart + 60_000 + offsets.b),
            ]
            office = try NPQFixture.replica(1, clock: clocks[0])
            a = try NPQFixture.replica(2, clock: clocks[1])
            b = try NPQFixture.replica(3, clock: clocks[2])
            roster = try NPQFixture.roster(on: office, cohorts: 1, participants: 3, events: 1)
            try Exchange.pull(into: a.store, from: office.store)
            try Exchange.pull(into: b.store, from: office.store)
        }

        var all: [Fieldbook] { [office, a, b] }
        var event: String { roster.events[0].id.description }
        var participant: String { roster.participants[0].id.description }

        func sync() throws { try Exchange.untilQuiescent(all.map(\.store)) }

        func marks() throws -> [[String?]] {
            try all.map { replica in
                try replica.store.read { db in
                    try String?.fetchAll(
                        db, sql: "SELECT status FROM attendance WHERE event_id = ? AND participant_id = ?",
                        arguments: [roster.events[0].id.rawValue.data, roster.participants[0].id.rawValue.data])
                }.compactMap { $0 }
            }
        }
    }

    @Test(arguments: [(0, 10), (10, 0), (0, 0)] as [(UInt64, UInt64)])
    func twoFacilitatorsMarkingTheSamePersonGetOneRowOneWinnerAndALedgerEntry(aOffset: UInt64, bOffset: UInt64)
        throws
    {
        let term = try Term(offsets: (aOffset, bOffset))
        try term.a.attend(event: term.event, participant: term.participant, status: "present", remark: nil)
        try term.b.attend(event: term.event, participant: term.participant, status: "absent", remark: nil)
        try term.sync()

        // Equal times fall back to the replica ID: B (3) sorts after A (2).
        let expectedWinner = aOffset > bOffset ? "present" : "absent"
        let expectedLoser = aOffset > bOffset ? "absent" : "present"
        let marks = try term.marks()
        #expect(marks == Array(repeating: [expectedWinner], count: 3), "one row per event and participant, same winner")
        for replica in term.all {
            let conflicts = try replica.conflicts()
            #expect(conflicts.count == 1)
            #expect(conflicts.first?.table == "attendance")
            #expect(conflicts.first?.column == "status")
            #expect(conflicts.first?.winner.value == expectedWinner)
            #expect(conflicts.first?.loser.value == expectedLoser)
            #expect(conflicts.first?.subject.contains("Teacher 0-0") == true)
            #expect(try replica.status().openConflicts == 1)
        }

        // Facilitator A keeps the losing value; after the next sync it is closed everywhere.
        let entry = try #require(try term.a.conflicts().first)
        let resolved = try term.a.resolveConflict(String(entry.id.short.prefix(6)), keep: entry.loser.valueID)
        #expect(!resolved.isOpen)
        #expect(try term.a.conflicts().isEmpty)
        try term.sync()
        #expect(try term.marks() == Array(repeating: [expectedLoser], count: 3))
        for replica in term.all {
            #expect(try replica.conflicts().isEmpty)
            #expect(try replica.conflicts(includeResolved: true).count == 1)
            #expect(try replica.status().openConflicts == 0)
        }
        let export = try term.office.exportAttendance(format: .csv)
        #expect(try term.a.exportAttendance(format: .csv) == export)
        #expect(try term.b.exportAttendance(format: .csv) == export)
    }

    @Test func concurrentResolutionsLeaveNoConflictThatCannotBeClosed() throws {
        let term = try Term()
        try term.a.attend(event: term.event, participant: term.participant, status: "present", remark: nil)
        try term.b.attend(event: term.event, participant: term.participant, status: "absent", remark: nil)
        try term.sync()

        // Both facilitators resolve the same entry offline, in opposite ways.
        let id = try #require(try term.a.conflicts().first).id.description
        term.clocks[1].advance(by: 1_000)
        term.clocks[2].advance(by: 2_000)
        _ = try term.a.resolveConflict(id, keep: "loser")
        _ = try term.b.resolveConflict(id, keep: "winner")
        try term.sync()
        let marks = try term.marks()
        #expect(Set(marks).count == 1)

        // Their two decisions disagree, which is a new conflict on the mark; the office
        // settles every open entry, and after a sync nothing is open anywhere.
        var rounds = 0
        while let open = try term.office.conflicts().first, rounds < 5 {
            #expect(open.table == "attendance", "a conflict about the ledger itself is not reviewable: \(open)")
            _ = try term.office.resolveConflict(open.id.description, keep: "winner")
            rounds += 1
        }
        try term.sync()
        for replica in term.all {
            #expect(try replica.conflicts().map { "\($0.table).\($0.column)" } == [])
            #expect(try replica.status().openConflicts == 0)
        }
    }

    @Test func aLedgerEntryHalfwayThroughASyncIsNotListedYet() throws {
        let term = try Term()
        try term.a.attend(event: term.event, participant: term.participant, status: "present", remark: nil)
        try term.b.attend(event: term.event, participant: term.participant, status: "absent", remark: nil)
        // B detects the conflict, writes the ledger entry, and compacts A's losing write
        // away: the office will learn about it only from the ledger.
        try Exchange.pull(into: term.b.store, from: term.a.store)
        #expect(try term.b.conflicts().count == 1)
        term.clocks[2].advance(by: 1)
        // Its status and its remark: a mark is written whole (a column group).
        #expect(try term.b.store.compact(supersededBefore: term.clocks[2].milliseconds()) == 2)

        // The office pulls from B one small batch at a time: after each batch the
        // conflicts listing and status must work and show only complete entries.
        var listed: [Int] = []
        while true {
            let assembly = try term.b.store.changes(for: try term.office.store.knowledge(), byteBudget: 1)
            try term.office.store.merge(assembly.batch, from: term.b.store.replicaID)
            let conflicts = try term.office.conflicts()
            listed.append(conflicts.count)
            for conflict in conflicts {
                #expect(!conflict.column.isEmpty && !conflict.table.isEmpty, "\(conflict)")
                #expect(conflict.loser.author == Fixture.replicaID(2).short)
            }
            #expect(try term.office.status().openConflicts == conflicts.count)
            #expect(try term.office.conflictItems().count == conflicts.count, "one item per mark, when complete")
            if !assembly.hasMore { break }
        }
        #expect(listed.last == 1)
        #expect(listed.filter { $0 == 1 }.count >= 1)
    }
}
