import Fieldbook
import FieldbookCore
import FieldbookStore
import Foundation

/// NPQ replicas and a starting roster for domain tests and simulations.
public enum NPQFixture {
    /// An in-memory NPQ replica with ``Fixture/replicaID(_:)`` of `index`, a manual
    /// clock and seeded row IDs, so a run replays exactly from its seed.
    public static func replica(_ index: Int, clock: ManualWallClock = ManualWallClock(), seed: UInt64 = 0) throws
        -> Fieldbook
    {
        let store = try ReplicaStore.create(
            at: ":memory:", name: "facilitator \(index)", schema: NPQSchema.current, genesis: Programme.genesis,
            replicaID: Fixture.replicaID(index), options: Fixture.options(clock: clock))
        return Fieldbook(store: store, seed: seed &* 1_000 &+ UInt64(index))
    }

    /// The roster the office sets up before a term: what ``roster(on:cohorts:participants:events:)`` made.
    public struct Roster: Sendable {
        public var cohorts: [Cohort]
        public var participants: [Participant]
        public var events: [Event]
    }

    /// Adds cohorts, a venue, participants and events on `office`.
    public static func roster(on office: Fieldbook, cohorts: Int = 2, participants: Int = 4, events: Int = 2) throws
        -> Roster
    {
        let programmes = ["NPQH", "NPQSL", "NPQLT"]
        let venue = try office.addVenue(city: "Shenzhen", school: "Shenzhen Bay School")
        var roster = Roster(cohorts: [], participants: [], events: [])
        for index in 0..<cohorts {
            let cohort = try office.addCohort(
                programme: programmes[index % programmes.count], name: "Spring 2024 \(index)", starts: "2024-03-02")
            roster.cohorts.append(cohort)
            for number in 0..<participants {
                roster.participants.append(
                    try office.addParticipant(
                        cohort: cohort.id.description,
                        .init(name: "Teacher \(index)-\(number)", trn: String(1_000_000 + index * 100 + number))))
            }
            for number in 0..<events {
                let faceToFace = number % 2 == 0
                roster.events.append(
                    try office.addEvent(
                        cohort: cohort.id.description,
                        .init(
                            kind: faceToFace ? "face-to-face" : "webinar", title: "Module \(number + 1)",
                            starts: "2024-03-\(String(format: "%02d", 2 + 7 * number))T09:00",
                            venue: faceToFace ? venue.id.description : nil, module: number + 1)))
            }
        }
        return roster
    }
}
