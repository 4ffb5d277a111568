import Fieldbook
import FieldbookCore
import FieldbookStore

/// The office console's test register: two facilitators' laptops with one NPQH cohort
/// in Shanghai (Chinese names, a face-to-face session, a webinar held from London, an
/// unmarked session, a note) and an NPQLT cohort, and one conflict — both laptops
/// marked 李伟 at the webinar without seeing each other's mark: Wang "present" with no
/// remark, Li "absent" with a remark, so the losing mark files two ledger entries (status
/// and remark, PROTOCOL.md §13.1) for one record.
///
/// ```swift
/// let scenario = try ConsoleScenario(folder: directory.path(""))
/// try await scenario.push { batch, sender in try await store.merge(batch, from: sender) }
/// ```
public struct ConsoleScenario: Sendable {
    /// Wang Fang's laptop in Shanghai: wrote the roster, the marks and the note.
    public let wang: Fieldbook
    /// Li Wei's laptop in Shenzhen: holds Wang's roster, and wrote the concurrent mark.
    public let li: Fieldbook
    public let headship: Cohort
    public let teaching: Cohort
    /// 王芳, 李伟, 张敏, Chen Jing (headship).
    public let participants: [Participant]
    /// Face-to-face (marked), webinar from London (the conflict), face-to-face (unmarked).
    public let events: [Event]

    /// Li's remark on the concurrent mark.
    public static let concurrentRemark = "病假 (sick leave)"

    /// Builds both laptops in `folder`.
    public init(folder: String) throws {
        let wang = try Fieldbook.create(at: folder + "/wang.sqlite", name: "Wang Fang")
        let headship = try wang.addCohort(programme: "NPQH", name: "Spring 2026", starts: "2026-02-28")
        let teaching = try wang.addCohort(programme: "NPQLT", name: "Autumn 2026", starts: "2026-09-05")
        let venue = try wang.addVenue(city: "Shanghai", school: "上海浦东外国语学校")
        let cohort = headship.id.description
        let participants = try [
            ("王芳", "1234567", "上海浦东外国语学校", "上海"), ("李伟", "2345678", "Shanghai Pinghe School", "Shanghai"),
            ("张敏", "3456789", "Wuhan Yangtze School", "Wuhan"), ("Chen Jing", "0456789", nil, "Chengdu"),
        ].map { name, trn, school, city in
            try wang.addParticipant(cohort: cohort, .init(name: name, trn: trn, school: school, city: city))
        }
        let events = [
            try wang.addEvent(
                cohort: cohort,
                .init(
                    kind: "face-to-face", title: "Module 1: Leading change", starts: "2026-03-07T09:00",
                    venue: venue.id.description, module: 1)),
            try wang.addEvent(
                cohort: cohort,
                .init(kind: "webinar", title: "Webinar: Evidence", starts: "2026-03-10T12:00", zone: "Europe/London")),
            try wang.addEvent(
                cohort: cohort,
                .init(
                    kind: "face-to-face", title: "Module 2: Culture", starts: "2026-03-21T09:00",
                    venue: venue.id.description, module: 2)),
        ]
        _ = try wang.addParticipant(
            cohort: teaching.id.description, .init(name: "赵磊", trn: "6789012", school: nil, city: "Yantai"))
        for (participant, status) in zip(participants, ["present", "late", "absent", "excused"]) {
            try wang.attend(
                event: events[0].id.description, participant: participant.id.description, status: status,
                remark: status == "late" ? "地铁晚点" : nil)
        }
        for participant in [participants[0], participants[2]] {
            try wang.attend(
                event: events[1].id.description, participant: participant.id.description, status: "present",
                remark: nil)
        }
        _ = try wang.addNote(
            "王芳 led the group discussion, \"excellent\"", event: events[0].id.description,
            participant: participants[0].id.description)

        let li = try Fieldbook.create(at: folder + "/li.sqlite", name: "Li Wei")
        for batch in try Self.batches(of: wang) { try li.store.merge(batch, from: wang.store.replicaID) }
        try wang.attend(
            event: events[1].id.description, participant: participants[1].id.description, status: "present",
            remark: nil)
        try li.attend(
            event: events[1].id.description, participant: participants[1].id.description, status: "absent",
            remark: Self.concurrentRemark)
        (self.wang, self.li, self.headship, self.teaching) = (wang, li, headship, teaching)
        (self.participants, self.events) = (participants, events)
    }

    /// Pushes everything both laptops hold, Wang's first, through `merge`.
    public func push(_ merge: (ChangeBatch, ReplicaID) async throws -> Void) async throws {
        for laptop in [wang, li] {
            for batch in try Self.batches(of: laptop) { try await merge(batch, laptop.store.replicaID) }
        }
    }

    /// All of a replica's changes, in bounded batches.
    public static func batches(of laptop: Fieldbook) throws -> [ChangeBatch] {
        var peer = Knowledge()
        var batches: [ChangeBatch] = []
        while true {
            let assembly = try laptop.store.changes(for: peer, partitions: nil, byteBudget: 256 << 10)
            if !assembly.batch.changes.isEmpty { batches.append(assembly.batch) }
            peer.advance(through: assembly.batch.ranges)
            if !assembly.hasMore { return batches }
        }
    }
}
