import Fieldbook
import FieldbookCore
import FieldbookServer
import FieldbookSync
import Foundation
import Testing

/// A laptop whose clock is days fast, syncing with a real server over loopback HTTP: its
/// changes wait in the server's quarantine until its clock is fixed (then they are
/// re-stamped) or the office releases them as they are.
struct ClockSkewTests {
    static let threeDays: Int64 = 3 * 24 * 3_600_000
    /// What the fast laptop writes: two marks (a status and a remark each: one column group),
    /// a note's five columns, and its name in the cohort.
    static let fastWrites: UInt64 = 11
    static let bound = HybridClock.defaultMaximumDrift

    /// The office's roster and two devices of cohort A: `fast` (clock three days ahead) and `good`.
    struct World {
        var office: Device
        var good: Device
        var fastToken: String
        var event: Event
        var participants: [Participant]
        var cohort: Cohort
    }

    func world(_ backend: ServerBackend, _ replicas: Replicas, transport: any SyncTransport) async throws -> World {
        let officeBook = try replicas.make("office")
        let office = Device(
            name: "office", fieldbook: officeBook, token: try await backend.issueToken("office", scope: .all),
            cohorts: nil)
        let cohort = try officeBook.addCohort(programme: "NPQH", name: "Spring 2024", starts: "2024-02-18")
        let participants = try (1...3).map {
            try officeBook.addParticipant(
                cohort: cohort.id.description, .init(name: "Teacher \($0)", trn: "500000\($0)"))
        }
        let event = try officeBook.addEvent(
            cohort: cohort.id.description, .init(kind: "webinar", title: "Webinar 1", starts: "2024-03-13T19:30"))
        try await sync(officeBook, over: transport, token: office.token)
        let goodBook = try replicas.make("good")
        let good = Device(
            name: "good", fieldbook: goodBook,
            token: try await backend.issueToken("good", scope: .cohorts([cohort.partition])),
            cohorts: [cohort.partition])
        try await sync(goodBook, over: transport, token: good.token)
        return World(
            office: office, good: good,
            fastToken: try await backend.issueToken("fast", scope: .cohorts([cohort.partition])), event: event,
            participants: participants, cohort: cohort)
    }

    /// The fast laptop pulls the roster, then writes two marks and a note (seven changes) offline.
    func fastLaptopWrites(_ world: World, _ replicas: Replicas, clock: any WallClock, transport: any SyncTransport)
        async throws -> Fieldbook
    {
        let fast = try replicas.make("fast", wallClock: clock)
        try await sync(fast, over: transport, token: world.fastToken, wallClock: clock)
        try fast.attend(
            event: world.event.id.description, participant: world.participants[0].id.description, status: "present",
            remark: nil)
        try fast.attend(
            event: world.event.id.description, participant: world.participants[1].id.description, status: "late",
            remark: nil)
        _ = try fast.addNote("Written on a laptop three days ahead.", event: world.event.id.description)
        return fast
    }

    @Test
    func fastClockIsQuarantinedThenRestampedOnceFixed() async throws {
        let replicas = try Replicas()
        let skewed = OffsetWallClock(offset: Self.threeDays)
        try await withTestServer { server in
            try await withHTTPTransport(server.url) { transport in
                let backend = server.backend
                let world = try await world(backend, replicas, transport: transport)
                let fast = try await fastLaptopWrites(world, replicas, clock: skewed, transport: transport)
                let stream = StreamID(partition: world.cohort.partition, origin: fast.store.replicaID)
                let exportBefore = try backend.fieldbook.exportAttendance(format: .csv)

                let held = try await sync(fast, over: transport, token: world.fastToken, wallClock: skewed)
                #expect(held.quarantined == Self.fastWrites)
                #expect(held.restamped == 0)
                #expect(held.clockOffset < -(Self.threeDays - 60_000), "the client learns how far ahead it is")
                let quarantined = try backend.store.store.quarantined()
                #expect(quarantined.count == Self.fastWrites)
                #expect(quarantined.allSatisfy { $0.change.origin == fast.store.replicaID })
                #expect(try await backend.knowledge()[stream] == 0, "quarantined changes are not counted as held")
                #expect(try backend.fieldbook.exportAttendance(format: .csv) == exportBefore, "nothing was merged")

                // Another replica does not receive them; a second sync with the clock still wrong changes nothing.
                try await sync(world.good.fieldbook, over: transport, token: world.good.token)
                #expect(try world.good.fieldbook.store.knowledge()[stream] == 0)
                let again = try await sync(fast, over: transport, token: world.fastToken, wallClock: skewed)
                #expect(again.quarantined == Self.fastWrites)
                #expect(
                    try backend.store.store.logCounts().quarantined == Self.fastWrites,
                    "the quarantine holds each change once")

                // The clock is fixed: the changes get new stamps, merge, and travel on.
                let fixed = try replicas.reopen("fast")
                let progress = try await sync(fixed, over: transport, token: world.fastToken)
                #expect(progress.restamped == Self.fastWrites)
                #expect(progress.quarantined == 0)
                #expect(try backend.store.store.quarantined().isEmpty)
                #expect(try await backend.knowledge()[stream] == Self.fastWrites)
                let now = SystemWallClock().milliseconds()
                #expect(
                    try fixed.store.clockReading().milliseconds <= now + Self.bound, "the persisted clock was reset")
                let cell = CellAddress(
                    table: "attendance", key: RowKey(world.event.id, world.participants[0].id), column: "status")
                let merged = try #require(try backend.store.store.version(of: cell))
                #expect(merged.stamp.time.milliseconds <= now, "the merged mark carries its new stamp")
                #expect(merged.value == .text("present"))

                try await sync(world.good.fieldbook, over: transport, token: world.good.token)
                try await sync(world.office.fieldbook, over: transport, token: world.office.token)
                let export = try backend.fieldbook.exportAttendance(format: .csv)
                #expect(export != exportBefore)
                for fieldbook in [fixed, world.good.fieldbook, world.office.fieldbook] {
                    #expect(try fieldbook.exportAttendance(format: .csv) == export)
                    #expect(try fieldbook.exportNotes(format: .csv) == backend.fieldbook.exportNotes(format: .csv))
                }
            }
        }
    }

    @Test
    func officeReleaseMergesQuarantinedChangesAsTheyAre() async throws {
        let replicas = try Replicas()
        let skewed = OffsetWallClock(offset: Self.threeDays)
        try await withTestServer { server in
            try await withHTTPTransport(server.url) { transport in
                let backend = server.backend
                let world = try await world(backend, replicas, transport: transport)
                let fast = try await fastLaptopWrites(world, replicas, clock: skewed, transport: transport)
                #expect(
                    try await sync(fast, over: transport, token: world.fastToken, wallClock: skewed).quarantined
                        == Self.fastWrites)

                let report = try backend.store.store.releaseQuarantine()
                #expect(report.received == Self.fastWrites)
                #expect(try backend.store.store.quarantined().isEmpty)
                let stream = StreamID(partition: world.cohort.partition, origin: fast.store.replicaID)
                #expect(try await backend.knowledge()[stream] == Self.fastWrites)

                // Another replica receives them with their future stamps, without its clock being dragged along.
                let good = world.good.fieldbook
                try await sync(good, over: transport, token: world.good.token)
                #expect(try good.store.knowledge()[stream] == Self.fastWrites)
                #expect(try good.store.clockReading().milliseconds <= SystemWallClock().milliseconds() + Self.bound)
                let cell = CellAddress(
                    table: "attendance", key: RowKey(world.event.id, world.participants[0].id), column: "status")
                let released = try #require(try good.store.version(of: cell))
                #expect(released.stamp.time.milliseconds > SystemWallClock().milliseconds() + Self.bound)

                // A correct clock edits the released future-stamped mark: it is not quarantined, and it wins.
                try good.attend(
                    event: world.event.id.description, participant: world.participants[0].id.description,
                    status: "absent", remark: "left at the break")
                let edit = try await sync(good, over: transport, token: world.good.token)
                #expect(edit.quarantined == 0)
                #expect(try backend.store.store.quarantined().isEmpty, "the edit of a released value was quarantined")
                #expect(try backend.store.store.version(of: cell)?.value == .text("absent"))

                try await sync(fast, over: transport, token: world.fastToken, wallClock: skewed)
                try await sync(world.office.fieldbook, over: transport, token: world.office.token)
                let export = try backend.fieldbook.exportAttendance(format: .csv)
                #expect(export.contains("absent"))
                for fieldbook in [fast, good, world.office.fieldbook] {
                    #expect(try fieldbook.exportAttendance(format: .csv) == export)
                    #expect(
                        try fieldbook.conflicts(includeResolved: true)
                            == backend.fieldbook.conflicts(includeResolved: true))
                }
            }
        }
    }
}
