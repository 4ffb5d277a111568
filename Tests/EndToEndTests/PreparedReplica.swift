import Fieldbook
import FieldbookCore
import FieldbookStore
import FieldbookTestSupport
import Foundation

/// A replica file prepared in-process (fast, deterministic IDs): two cohorts, a venue,
/// participants and events, closed so the CLI finds a plain file.
struct PreparedReplica {
    let path: String
    let cohorts: [Cohort]
    /// Events of cohort 0 and cohort 1.
    let events: [Event]
    /// Participants of cohort 0 (the first has TRN 1234567), then one of cohort 1 last.
    let participants: [Participant]
    /// One hex digit that starts the short IDs of at least two participants.
    let ambiguousPrefix: String
    /// A hex prefix that names no participant.
    let unknownPrefix: String

    static func make(at path: String, seed: UInt64 = 42) throws -> PreparedReplica {
        let store = try ReplicaStore.create(
            at: path, name: "Office", schema: NPQSchema.current, genesis: Programme.genesis,
            replicaID: Fixture.replicaID(1), options: Fixture.options(clock: ManualWallClock()))
        let fieldbook = Fieldbook(store: store, seed: seed)
        let cohorts = [
            try fieldbook.addCohort(programme: "NPQH", name: "Spring 2024", starts: "2024-03-02"),
            try fieldbook.addCohort(programme: "NPQSL", name: "Autumn 2024", starts: "2024-09-07"),
        ]
        let venue = try fieldbook.addVenue(city: "Shenzhen", school: "Shenzhen Bay School")
        let events = [
            try fieldbook.addEvent(
                cohort: cohorts[0].id.description,
                .init(
                    kind: "face-to-face", title: "Module 1", starts: "2024-03-02T09:00", venue: venue.school, module: 1)
            ),
            try fieldbook.addEvent(
                cohort: cohorts[1].id.description, .init(kind: "webinar", title: "Welcome", starts: "2024-09-11T19:30")),
        ]
        var participants = [
            try fieldbook.addParticipant(cohort: "Spring 2024", .init(name: "Li Wei", trn: "1234567", city: "Shanghai"))
        ]
        // Add people until two short IDs share their first digit.
        var ambiguous: String?
        while ambiguous == nil {
            let next = try fieldbook.addParticipant(cohort: "Spring 2024", .init(name: "Teacher \(participants.count)"))
            ambiguous = participants.first { $0.id.short.first == next.id.short.first }.map {
                String($0.id.short.prefix(1))
            }
            participants.append(next)
        }
        participants.append(
            try fieldbook.addParticipant(cohort: "Autumn 2024", .init(name: "Zhang Min", trn: "7654321")))
        let used = Set(participants.map { $0.id.short.prefix(2) }).union(
            participants.map { $0.id.description.prefix(2) })
        let unknown = (0..<256).map { String(format: "%02x", $0) }.first { !used.contains(Substring($0)) }!
        try store.database.close()
        return PreparedReplica(
            path: path, cohorts: cohorts, events: events, participants: participants, ambiguousPrefix: ambiguous!,
            unknownPrefix: unknown)
    }
}
