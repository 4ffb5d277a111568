import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookServer
import Foundation

/// A server that holds two cohorts (A and B, two participants and an event each) and a
/// venue in the shared partition, written by an office replica that synced them up.
struct Scenario: Sendable {
    let backend: ServerBackend
    let replicas: Replicas
    let office: Device
    let cohortA: Cohort
    let cohortB: Cohort
    let venue: Venue
    let eventA: Event
    let eventB: Event
    /// An office token per replica (the server binds a token to the first replica that syncs with it).
    let officeTokens = OfficeTokens()

    static func make(limits: SyncService.Limits = .init()) async throws -> Scenario {
        let backend = try ServerBackend(limits: limits)
        let replicas = try Replicas()
        let fieldbook = try replicas.make("office")
        let office = Device(
            name: "office", fieldbook: fieldbook, token: try await backend.issueToken("office", scope: .all),
            cohorts: nil)
        let cohortA = try fieldbook.addCohort(programme: "NPQH", name: "Cohort A", starts: "2024-02-18")
        let cohortB = try fieldbook.addCohort(programme: "NPQLT", name: "Cohort B", starts: "2024-02-18")
        let venue = try fieldbook.addVenue(city: "Shanghai", school: "Pudong Bilingual School")
        var events: [Event] = []
        for (cohort, trns) in [(cohortA, ["1000001", "1000002"]), (cohortB, ["2000001", "2000002"])] {
            for trn in trns {
                _ = try fieldbook.addParticipant(cohort: cohort.id.description, .init(name: "Teacher \(trn)", trn: trn))
            }
            events.append(
                try fieldbook.addEvent(
                    cohort: cohort.id.description,
                    .init(
                        kind: "face-to-face", title: "\(cohort.name) Module 1", starts: "2024-03-02T09:00",
                        venue: venue.id.description, module: 1)))
        }
        try await sync(fieldbook, over: ServiceTransport(service: backend.service), token: office.token)
        return Scenario(
            backend: backend, replicas: replicas, office: office, cohortA: cohortA, cohortB: cohortB, venue: venue,
            eventA: events[0], eventB: events[1])
    }

    /// A new replica holding everything the server holds (synced with an office token of
    /// its own: a token is bound to the first replica that syncs with it), so it can
    /// write in every partition.
    func writer(_ name: String = "writer") async throws -> Fieldbook {
        let fieldbook = try replicas.make(name)
        let token = try await officeToken(for: fieldbook.store.replicaID)
        try await sync(fieldbook, over: ServiceTransport(service: backend.service), token: token)
        return fieldbook
    }

    /// The office token of a replica: `office`'s own, or one issued for it on first use.
    func officeToken(for replica: ReplicaID) async throws -> String {
        if replica == office.fieldbook.store.replicaID { return office.token }
        return try await officeTokens.token(for: replica, backend: backend)
    }

    /// A request pushing what `fieldbook` holds and the server lacks, in `partitions`
    /// (`nil`: all), with `fieldbook`'s knowledge.
    func pushRequest(from fieldbook: Fieldbook, partitions: Set<PartitionID>? = nil) async throws -> TestRequest {
        let assembly = try fieldbook.store.changes(
            for: try await backend.knowledge(), partitions: partitions, byteBudget: .max)
        let request = SyncRequest(
            schemaVersion: UInt32(fieldbook.store.schema.version), replica: fieldbook.store.replicaID,
            clientTime: SystemWallClock().milliseconds(), knowledge: try fieldbook.store.knowledge(),
            batch: assembly.batch)
        return TestRequest(request: request, signer: fieldbook.store)
    }

    /// A request of a replica that holds nothing but the built-in programmes: pulls everything readable.
    func pullRequest() -> TestRequest {
        var random = SystemRandomNumberGenerator()
        let request = SyncRequest(
            schemaVersion: UInt32(NPQSchema.current.version), replica: ReplicaID.random(using: &random),
            clientTime: SystemWallClock().milliseconds(), knowledge: Knowledge(), batch: ChangeBatch())
        return TestRequest(request: request, signer: nil)
    }
}

/// Office tokens issued one per replica, on first use.
actor OfficeTokens {
    private var tokens: [ReplicaID: String] = [:]

    func token(for replica: ReplicaID, backend: ServerBackend) async throws -> String {
        if let token = tokens[replica] { return token }
        let token = try await backend.issueToken("office-\(replica.short)", scope: .all)
        tokens[replica] = token
        return token
    }
}
