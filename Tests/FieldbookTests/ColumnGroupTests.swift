import Fieldbook
import FieldbookCore
import FieldbookStore
import FieldbookTestSupport
import Testing

/// An attendance mark is one value: its status and remark win or lose together, and
/// resolving a conflict between two marks keeps or replaces the whole mark.
struct ColumnGroupTests {
    /// Two facilitators' laptops that share a cohort through bundles, with clocks the test sets.
    struct TwoLaptops {
        let directory: TemporaryDirectory
        let wangClock = ManualWallClock(milliseconds: 1_709_340_000_000)
        let zhangClock = ManualWallClock(milliseconds: 1_709_340_000_000)
        let wang: Fieldbook
        let zhang: Fieldbook
        let event: String
        let participant: String

        init() throws {
            directory = try TemporaryDirectory()
            wang = try Fieldbook.create(
                at: directory.path("wang.sqlite"), name: "Wang", options: .init(wallClock: wangClock))
            zhang = try Fieldbook.create(
                at: directory.path("zhang.sqlite"), name: "Zhang", options: .init(wallClock: zhangClock))
            let cohort = try wang.addCohort(programme: "NPQH", name: "Spring 2024", starts: "2024-02-18")
            participant = try wang.addParticipant(cohort: cohort.id.description, .init(name: "王芳", trn: "1000001"))
                .id.description
            event = try wang.addEvent(
                cohort: cohort.id.description,
                .init(kind: "webinar", title: "Webinar 1", starts: "2024-03-06T19:00")
            ).id.description
            try exchange()
        }

        /// Each laptop imports everything the other holds.
        func exchange() throws {
            _ = try zhang.importBundle(try wang.exportBundle().bytes)
            _ = try wang.importBundle(try zhang.exportBundle().bytes)
        }

        func mark(_ laptop: Fieldbook) throws -> RegisterLine {
            try laptop.register(event: event).lines.first { $0.participant.id.description == participant }!
        }
    }

    @Test(arguments: [false, true])
    func theSchoolInspectionCaseConvergesToOnePersonsWholeMark(zhangLater: Bool) throws {
        let laptops = try TwoLaptops()
        laptops.wangClock.advance(by: zhangLater ? 1_000 : 5_000)
        laptops.zhangClock.advance(by: zhangLater ? 5_000 : 1_000)
        try laptops.wang.attend(
            event: laptops.event, participant: laptops.participant, status: "excused", remark: "school inspection")
        try laptops.zhang.attend(event: laptops.event, participant: laptops.participant, status: "absent", remark: nil)
        try laptops.exchange()
        try laptops.exchange()

        let expected = zhangLater ? ("absent", nil) : ("excused", "school inspection" as String?)
        for laptop in [laptops.wang, laptops.zhang] {
            let mark = try laptops.mark(laptop)
            #expect(mark.status == expected.0 && mark.remark == expected.1, "a mark nobody made: \(mark)")
            // One entry per column that differed, all for the same losing mark.
            let open = try laptop.conflicts()
            #expect(open.map(\.column).sorted() == ["remark", "status"])
            #expect(Set(open.map(\.loser.writtenAt)).count == 1)
        }
    }

    @Test func twoMarksThatDifferOnlyInTheirRemarkFileTheRemark() throws {
        let laptops = try TwoLaptops()
        laptops.wangClock.advance(by: 1_000)
        laptops.zhangClock.advance(by: 5_000)
        try laptops.wang.attend(
            event: laptops.event, participant: laptops.participant, status: "absent", remark: "sick")
        try laptops.zhang.attend(
            event: laptops.event, participant: laptops.participant, status: "absent", remark: "no message")
        try laptops.exchange()
        try laptops.exchange()
        for laptop in [laptops.wang, laptops.zhang] {
            #expect(try laptops.mark(laptop).remark == "no message")
            let open = try laptop.conflicts()
            #expect(open.map(\.column) == ["remark"], "the losing remark 'sick' must be on record")
            #expect(open.first?.loser.value == "sick")
        }
    }

    @Test(arguments: [false, true])
    func aContestedMarkIsOneItemFlaggedInTheRegisterAndTheExport(zhangLater: Bool) throws {
        let laptops = try TwoLaptops()
        laptops.wangClock.advance(by: zhangLater ? 1_000 : 5_000)
        laptops.zhangClock.advance(by: zhangLater ? 5_000 : 1_000)
        try laptops.wang.attend(
            event: laptops.event, participant: laptops.participant, status: "excused", remark: "school inspection")
        try laptops.zhang.attend(event: laptops.event, participant: laptops.participant, status: "absent", remark: nil)
        try laptops.exchange()
        try laptops.exchange()

        let wangs: [String: String?] = ["status": "excused", "remark": "school inspection"]
        let zhangs: [String: String?] = ["status": "absent", "remark": nil]
        for laptop in [laptops.wang, laptops.zhang] {
            #expect(try laptops.mark(laptop).openConflict)
            #expect(
                try laptop.attendanceExport().filter(\.openConflict).map(\.participantID.description) == [
                    laptops.participant
                ])
            #expect(try laptop.status().openConflicts == 1)
            let items = try laptop.conflictItems()
            try #require(items.count == 1)
            let item = items[0]
            #expect(item.columns == ["status", "remark"])
            #expect(item.entries.count == 2)
            #expect(item.winner.values == (zhangLater ? zhangs : wangs))
            #expect(item.loser.values == (zhangLater ? wangs : zhangs))
            #expect(item.winner.authorName == (zhangLater ? "Zhang" : "Wang"))
        }

        let item = try #require(try laptops.wang.conflictItems().first)
        _ = try laptops.wang.resolveConflict(item.id.description, keep: item.loser.valueID)
        try laptops.exchange()
        for laptop in [laptops.wang, laptops.zhang] {
            let mark = try laptops.mark(laptop)
            #expect(!mark.openConflict)
            #expect(mark.status == (zhangLater ? "excused" : "absent"))
            #expect(try laptop.attendanceExport().allSatisfy { !$0.openConflict })
            #expect(try laptop.conflictItems().isEmpty)
            let resolved = try laptop.conflictItems(includeResolved: true)
            #expect(resolved.count == 1 && resolved.first?.isOpen == false)
            #expect(try laptop.status().openConflicts == 0)
        }
    }

    @Test func aMarkThatDiffersOnlyInItsRemarkIsOneItemWithTheSameStatus() throws {
        let laptops = try TwoLaptops()
        laptops.wangClock.advance(by: 1_000)
        laptops.zhangClock.advance(by: 5_000)
        try laptops.wang.attend(
            event: laptops.event, participant: laptops.participant, status: "absent", remark: "sick")
        try laptops.zhang.attend(
            event: laptops.event, participant: laptops.participant, status: "absent", remark: "no message")
        try laptops.exchange()
        let item = try #require(try laptops.wang.conflictItems().first)
        #expect(item.entries.count == 1)
        #expect(item.loser.values == ["status": "absent", "remark": "sick"])
        #expect(item.winner.values == ["status": "absent", "remark": "no message"])
    }

    @Test func keepingTheLosingMarkKeepsItsRemarkToo() throws {
        let laptops = try TwoLaptops()
        laptops.wangClock.advance(by: 1_000)
        laptops.zhangClock.advance(by: 5_000)
        try laptops.wang.attend(
            event: laptops.event, participant: laptops.participant, status: "excused", remark: "school inspection")
        try laptops.zhang.attend(event: laptops.event, participant: laptops.participant, status: "absent", remark: nil)
        try laptops.exchange()

        let entry = try #require(try laptops.zhang.conflicts().first { $0.column == "status" })
        _ = try laptops.zhang.resolveConflict(entry.id.description, keep: "loser")
        try laptops.exchange()
        for laptop in [laptops.wang, laptops.zhang] {
            let mark = try laptops.mark(laptop)
            #expect(mark.status == "excused" && mark.remark == "school inspection")
            #expect(try laptop.conflicts().isEmpty)
        }
    }

    @Test func aGroupIsWrittenWholeUnderOneStamp() throws {
        let laptops = try TwoLaptops()
        try laptops.wang.attend(
            event: laptops.event, participant: laptops.participant, status: "late", remark: "train delay")
        let before = try laptops.wang.store.knowledge()
        // Another status without a remark: the remark is kept, and both cells are written
        // again together, under one stamp.
        try laptops.wang.attend(event: laptops.event, participant: laptops.participant, status: "absent", remark: nil)
        let written = try laptops.wang.store.changes(for: before, byteBudget: .max).batch.changes
            .filter { $0.table == "attendance" }
        #expect(written.map(\.column).sorted() == ["remark", "status"])
        #expect(Set(written.map(\.stamp)).count == 1)
        #expect(try laptops.mark(laptops.wang).remark == "train delay")

        // Writing the same mark again writes nothing.
        let after = try laptops.wang.store.knowledge()
        try laptops.wang.attend(event: laptops.event, participant: laptops.participant, status: "absent", remark: nil)
        #expect(try laptops.wang.store.knowledge() == after)
    }
}
