import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookServer
import FieldbookStore
import FieldbookSync
import FieldbookTestSupport
import Foundation

/// An invariant broke, or something happened that never should.
struct SimulationFailure: Error, CustomStringConvertible {
    var description: String
}

/// A write made by the workload, remembered to prove at the end that it was not lost.
struct RecordedWrite {
    var replica: Int
    var change: Change
    var step: Int
}

/// A log position: one change of one stream.
struct LogPosition: Hashable {
    var stream: StreamID
    var sequence: UInt64
}

/// One whole sync session under faults, driven by one seed: N replicas and a server, the
/// real stores, the real `SyncClient` and the real `SyncService`, over a simulated
/// network that drops, duplicates, delays and replays rounds, with partitions, process
/// restarts, drifting and jumping clocks (one replica days ahead), bundles and
/// compaction. After the faults stop and everyone syncs to quiescence, the invariants of
/// `Simulation+Invariants.swift` must hold.
final class Simulation {
    static let epoch: UInt64 = 1_709_340_000_000
    static let bound = HybridClock.defaultMaximumDrift
    static let crashMessage = "simulated crash"
    static let day: Int64 = 86_400_000

    let options: SimulationOptions
    var random: SeededRandom
    let directory: String
    var now = Simulation.epoch
    var step = 0
    let network = SimulatedNetwork()
    var events: AsyncStream<ClientEvent>.AsyncIterator
    var server: SimulatedServer!
    var replicas: [SimulatedReplica] = []
    /// The laptop that lies, in the seeds that have one.
    var byzantine: ByzantineReplica?
    /// The server's data, winning stamps, ledger and exports at the end of the run
    /// (``snapshot(_:)``), kept once the server has stopped.
    var serverSnapshot: [String: String] = [:]
    var serverDownUntil: Int?
    var replays: [PendingRound] = []
    var bundles: [(from: Int, to: Int, bytes: [UInt8])] = []
    var writes: [LogPosition: RecordedWrite] = [:]
    var lastProgress: [Int: SyncClient.Progress] = [:]
    var roundsInSync: [Int: Int] = [:]
    var trace: [String] = []
    var stats = SimulationStats()
    /// The step the skewed replica's clock jumps days ahead, the office releases, and it is fixed.
    var skewStarts = 0
    var skewReleases = 0
    var skewFixed = 0

    init(options: SimulationOptions) throws {
        self.options = options
        random = SeededRandom(seed: options.seed)
        events = network.events.makeAsyncIterator()
        let base = FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        directory = base + "/fieldbook-sim-\(options.seed)-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        skewStarts = options.steps * Int.random(in: 10...30, using: &random) / 100
        skewFixed = options.steps * Int.random(in: 50...75, using: &random) / 100
        skewReleases = (skewStarts + skewFixed) / 2
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Keeps the whole trace when set (FIELDBOOK_SIM_TRACE names a file to write it to).
    static let keepsWholeTrace = ProcessInfo.processInfo.environment["FIELDBOOK_SIM_TRACE"] != nil

    func log(_ line: @autoclosure () -> String) {
        trace.append("[\(step)] \(line())")
        if trace.count > 600 && !Self.keepsWholeTrace { trace.removeFirst(200) }
    }

    // MARK: Run

    /// Runs the faulty phase, heals, syncs to quiescence and checks every invariant.
    func run() async throws -> SimulationStats {
        try await setUp()
        for index in 0..<options.steps {
            step = index
            try await advance()
        }
        step = options.steps
        try await heal()
        try await checkInvariants()
        await server.close()
        stats.seeds = 1
        return stats
    }

    func setUp() async throws {
        server = try await SimulatedServer(
            path: directory + "/server.sqlite", replicaID: ReplicaID.random(using: &random),
            clock: ManualWallClock(milliseconds: now),
            backend: options.onPostgres ? .postgres(url: try await TestPostgres.makeDatabase()) : .sqlite,
            overHTTP: options.overHTTP)
        for index in 0..<options.replicas {
            let secret = (0..<4).map { _ in String(format: "%016llx", random.next()) }.joined()
            let token = String(format: "fbk_%08x_", index) + secret
            if !options.facilitators.contains(index) {
                try await server.issueToken(name: "replica-\(index)", text: token)
            }
            replicas.append(
                try SimulatedReplica(
                    index: index, path: directory + "/replica-\(index).sqlite",
                    replicaID: ReplicaID.random(using: &random), token: token, now: now, idSeed: random.next()))
        }
        // The office sets up a cohort with a roster and events before anyone syncs.
        let office = replicas[0].fieldbook
        let cohort = try office.addCohort(programme: "NPQH", name: "Shanghai 1", starts: "2024-02-18")
        let venue = try office.addVenue(city: "Shanghai", school: "SPBS")
        _ = try office.importParticipants(
            cohort: cohort.id.description, csv: Workload.participantsCSV(count: 4, random: &random))
        _ = try office.addEvent(
            cohort: cohort.id.description,
            .init(kind: "face-to-face", title: "Module 1", starts: "2024-03-02T09:00", venue: venue.id.description))
        _ = try office.addEvent(
            cohort: cohort.id.description, .init(kind: "webinar", title: "Webinar 1", starts: "2024-03-06T19:00"))
        if !options.facilitators.isEmpty { try await setUpFacilitators(first: cohort.partition, venue: venue.id) }
        if options.byzantine { try await setUpByzantine(cohort: cohort.partition) }
        log(options.description)
        for replica in replicas { log("replica \(replica.index) is \(replica.replicaID.short)") }
        log("server is \(server.replicaID.short)")
    }

    /// A second cohort, and facilitators' tokens for one cohort each. Drawn from a random
    /// source of their own, so a seed without facilitators runs as it did before them.
    func setUpFacilitators(first: PartitionID, venue: RowID) async throws {
        var random = SeededRandom(seed: options.seed ^ 0xfac1_1174_7025)
        let office = replicas[0].fieldbook
        let second = try office.addCohort(programme: "NPQLT", name: "Shenzhen 2", starts: "2024-02-25")
        _ = try office.importParticipants(
            cohort: second.id.description, csv: Workload.participantsCSV(count: 3, random: &random))
        _ = try office.addEvent(
            cohort: second.id.description,
            .init(kind: "face-to-face", title: "Module 1", starts: "2024-03-09T09:00", venue: venue.description))
        for (place, index) in options.facilitators.enumerated() {
            let cohort = place % 2 == 0 ? first : second.partition
            replicas[index].cohort = cohort
            try await server.issueToken(
                name: "facilitator-\(index)", text: replicas[index].token, scope: .cohorts([cohort]))
        }
    }

    // MARK: Steps

    enum Action: CaseIterable {
        case write, startSync, deliver, replay, crash, serverRestart, partition, clockJump, bundle, importBundle,
            compact, lie
    }

    /// One scheduler step: time passes, clocks drift, then one thing happens.
    func advance() async throws {
        now += UInt64.random(in: 0...20_000, using: &random)
        server.clock.set(now)
        try await scheduled()
        for replica in replicas where !isSkewed(replica.index) && replica.jumpEndsAt == nil {
            replica.offset = min(max(replica.offset + Int64.random(in: -400...400, using: &random), -240_000), 240_000)
        }
        for replica in replicas { replica.tick(trueTime: now) }

        let waiting = network.waiting
        let idle = replicas.filter { !$0.syncing }.map(\.index)
        var choices: [(Action, Int)] = [
            (.write, 30), (.crash, 2), (.serverRestart, 1), (.partition, 2), (.clockJump, 2), (.bundle, 3),
            (.compact, 1),
        ]
        if !idle.isEmpty { choices.append((.startSync, 14)) }
        if !waiting.isEmpty { choices.append((.deliver, 40)) }
        if !replays.isEmpty { choices.append((.replay, 2)) }
        if !bundles.isEmpty { choices.append((.importBundle, 2)) }
        if byzantine != nil { choices.append((.lie, 4)) }
        var roll = Int.random(in: 0..<choices.reduce(0) { $0 + $1.1 }, using: &random)
        let action = choices.first {
            roll -= $0.1; return roll < 0
        }!.0

        switch action {
        case .write:
            try write(Int.random(in: 0..<replicas.count, using: &random))
        case .startSync:
            try await startSync(idle.randomElement(using: &random)!)
        case .deliver:
            try await deliver(waiting.randomElement(using: &random)!, fate: randomFate())
        case .replay:
            let round = replays.remove(at: Int.random(in: 0..<replays.count, using: &random))
            if serverDownUntil == nil {
                log("replay an old round of replica \(round.replica)")
                _ = try await serve(round)
                stats.replays += 1
            }
        case .crash:
            try await crash(Int.random(in: 0..<replicas.count, using: &random))
        case .serverRestart:
            serverDownUntil = step + Int.random(in: 0...8, using: &random)
            log("server down until step \(serverDownUntil!)")
        case .partition:
            let replica = replicas.randomElement(using: &random)!
            replica.offlineUntil = step + Int.random(in: 5...40, using: &random)
            stats.partitions += 1
            log("replica \(replica.index) offline until step \(replica.offlineUntil)")
        case .clockJump:
            clockJump(replicas.randomElement(using: &random)!)
        case .bundle:
            try bundle()
        case .importBundle:
            let bundle = bundles.remove(at: Int.random(in: 0..<bundles.count, using: &random))
            try importBundle(bundle.bytes, into: bundle.to, from: bundle.from)
        case .lie:
            try await byzantineStep()
        case .compact:
            let replica = replicas.randomElement(using: &random)!
            let cutoff = replica.clock.milliseconds() - UInt64.random(in: 0...600_000, using: &random)
            let removed = try replica.store.compact(supersededBefore: cutoff)
            stats.compacted += removed
            log("replica \(replica.index) compacts \(removed) superseded changes")
        }
    }

    /// Things planned for a step: the server coming back, clock jumps ending, the skewed
    /// replica's clock running ahead, being released and being fixed.
    func scheduled() async throws {
        if let until = serverDownUntil, step >= until {
            try await server.restart()
            serverDownUntil = nil
            stats.serverRestarts += 1
            log("server restarted from its file")
        }
        for replica in replicas {
            if let end = replica.jumpEndsAt, step >= end {
                replica.jumpEndsAt = nil
                replica.offset = Int64.random(in: -60_000...60_000, using: &random)
                log("replica \(replica.index) clock back to \(replica.offset) ms")
            }
        }
        guard let skewed = options.skewedReplica else { return }
        if step == skewStarts {
            replicas[skewed].jumpEndsAt = nil
            replicas[skewed].offset = Int64.random(in: 1...5, using: &random) * Self.day
            log("replica \(skewed) clock runs \(replicas[skewed].offset / Self.day) days ahead")
        }
        if options.releasesQuarantine && step == skewReleases {
            // The office releases every laptop's held-back changes (or only the skewed one's,
            // see `SimulationOptions.releasesEveryOrigin`), racing any re-stamp under way.
            let report = try await server.releaseQuarantine(
                origin: SimulationOptions.releasesEveryOrigin ? nil : replicas[skewed].replicaID)
            stats.released += report.applied + report.superseded
            log("office releases the quarantine: \(report.applied + report.superseded) changes")
        }
        if step == skewFixed {
            replicas[skewed].offset = Int64.random(in: -30_000...30_000, using: &random)
            log("replica \(skewed) clock fixed")
        }
    }

    func isSkewed(_ index: Int) -> Bool {
        index == options.skewedReplica && step >= skewStarts && step < skewFixed
    }

    func clockJump(_ replica: SimulatedReplica) {
        guard !isSkewed(replica.index) else { return }
        stats.clockJumps += 1
        if Int.random(in: 0..<4, using: &random) == 0 {
            // Ahead beyond the bound for a while: its writes meanwhile are quarantined.
            replica.offset = Int64.random(in: 6...60, using: &random) * 60_000
            replica.jumpEndsAt = step + Int.random(in: 3...30, using: &random)
        } else {
            replica.offset = Int64.random(in: -240_000...240_000, using: &random)
        }
        log("replica \(replica.index) clock jumps to \(replica.offset) ms")
    }

    // MARK: Writes and bundles

    /// One piece of workload on a replica; a refused one must write nothing.
    func write(_ index: Int) throws {
        let replica = replicas[index]
        let before = try replica.store.knowledge()
        let what: String
        do {
            what = try Workload.perform(on: replica.fieldbook, within: replica.cohort, random: &random)
        } catch let error as FieldbookError
            where [.invalidInput, .notFound, .ambiguous, .usage].contains(error.code)
        {
            stats.refused += 1
            guard try replica.store.knowledge() == before else {
                throw SimulationFailure(description: "a refused write (\(error.message)) changed replica \(index)")
            }
            log("replica \(index) write refused: \(error.message)")
            return
        }
        let after = try replica.store.knowledge()
        guard after != before else { return }
        let changes = try replica.store.changes(for: before, byteBudget: .max).batch.changes
        for change in changes {
            guard change.origin == replica.replicaID else {
                throw SimulationFailure(description: "a local write on replica \(index) produced a foreign change")
            }
            // What a facilitator writes outside its cohort stays on its laptop by design.
            if replica.keepsLocal(change.stream) {
                stats.keptLocal += 1
                continue
            }
            writes[LogPosition(stream: change.stream, sequence: change.sequence)] = RecordedWrite(
                replica: index, change: change, step: step)
        }
        stats.writes += changes.count
        log("replica \(index) \(what): \(changes.count) changes")
    }

    /// A bundle from one replica to another: everything, or made for the peer's current or a
    /// stale vector file; imported now, later, twice or never.
    func bundle() throws {
        let from = Int.random(in: 0..<replicas.count, using: &random)
        var to = Int.random(in: 0..<replicas.count - 1, using: &random)
        if to >= from { to += 1 }
        let target = replicas[to]
        let current = try target.fieldbook.knowledgeFile()
        target.vectorFiles.append(current)
        if target.vectorFiles.count > 4 { target.vectorFiles.removeFirst() }
        let vector: [UInt8]?
        switch Int.random(in: 0..<4, using: &random) {
        case 0: vector = nil
        case 1: vector = current
        case 2: vector = target.vectorFiles.randomElement(using: &random)
        default:
            // Made for another replica's vector: the target may lack what it starts after.
            vector = try replicas.randomElement(using: &random)!.fieldbook.knowledgeFile()
        }
        let (bytes, count, _) = try replicas[from].fieldbook.exportBundle(
            for: try vector.map(Fieldbook.readKnowledgeFile))
        stats.bundles += 1
        log("replica \(from) exports a bundle of \(count) changes for replica \(to)")
        switch Int.random(in: 0..<10, using: &random) {
        case 0..<6:
            try importBundle(bytes, into: to, from: from)
        case 6..<8:
            try importBundle(bytes, into: to, from: from)
            bundles.append((from, to, bytes))
        case 8:
            bundles.append((from, to, bytes))
        default:
            log("the bundle is lost")
        }
    }

    func importBundle(_ bytes: [UInt8], into index: Int, from author: Int) throws {
        let replica = replicas[index]
        let before = try replica.store.knowledge()
        do {
            let result = try replica.fieldbook.importBundle(bytes)
            stats.bundleImports += 1
            log(
                "replica \(index) imports replica \(author)'s bundle: \(result.received) new, \(result.duplicates) held, \(result.quarantined) quarantined"
            )
        } catch let error as FieldbookError where error.code == .sequenceGap {
            stats.bundleGaps += 1
            guard try replica.store.knowledge() == before else {
                throw SimulationFailure(description: "a bundle refused for a sequence gap changed replica \(index)")
            }
            log("replica \(index) refuses replica \(author)'s bundle: sequence gap")
        }
    }

    // MARK: Sync

    /// Starts a sync on an idle replica and runs it until it waits on the network.
    func startSync(_ index: Int) async throws {
        let replica = replicas[index]
        let client = SyncClient(
            store: replica.store, transport: SimulatedTransport(replica: index, network: network),
            token: replica.token,
            options: .init(
                // Sizes fixed and no watchdog: a seed's rounds must not depend on the
                // machine's speed, and the scheduler holds a round for as long as it likes.
                sizes: LinkSizes(frameBytes: options.batchBytes / 4, roundBytes: options.batchBytes),
                retry: RetryPolicy(maxAttempts: 4, initialDelay: .milliseconds(1), maximumDelay: .milliseconds(1)),
                idleTimeout: nil, frameTimeout: nil, seed: random.next()),
            wallClock: replica.clock, sleep: { _ in })
        replica.syncing = true
        roundsInSync[index] = 0
        log("replica \(index) starts a sync")
        let network = self.network
        Task {
            let outcome: Result<SyncClient.Progress, any Error>
            do {
                outcome = .success(try await client.run())
            } catch {
                outcome = .failure(error)
            }
            network.finished(index, outcome)
        }
        try await awaitClient(index)
    }

    /// What happens to a round in the network.
    enum Fate {
        case normal, dropRequest, cutRequest, dropResponse, cutResponse, duplicate, delayCopy
    }

    func randomFate() -> Fate {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<56: .normal
        case 56..<62: .dropRequest
        case 62..<68: .cutRequest
        case 68..<74: .dropResponse
        case 74..<84: .cutResponse
        case 84..<92: .duplicate
        default: .delayCopy
        }
    }

    /// Decides the fate of the round `index` waits on, then runs that client until it waits
    /// again or finishes.
    func deliver(_ index: Int, fate: Fate) async throws {
        guard let round = network.take(index) else {
            throw SimulationFailure(description: "replica \(index) has no round in the network")
        }
        roundsInSync[index, default: 0] += 1
        guard roundsInSync[index]! <= 2000 else {
            throw SimulationFailure(description: "replica \(index)'s sync does not end: 2000 rounds")
        }
        let result: Result<SimulatedAnswer, any Error>
        if serverDownUntil != nil || replicas[index].offlineUntil >= step {
            result = .failure(SimulatedNetworkError(description: "connection refused"))
        } else {
            switch fate {
            case .normal:
                result = .success(try await serve(round))
            case .dropRequest:
                stats.droppedRequests += 1
                result = .failure(SimulatedNetworkError(description: "connection reset while sending"))
            case .cutRequest:
                // The server takes the frames that arrived whole, then the link breaks.
                let delivered = Int.random(in: 0..<max(1, round.body.count), using: &random)
                _ = try await serve(round, delivered: delivered)
                stats.droppedRequests += 1
                result = .failure(SimulatedNetworkError(description: "connection reset after \(delivered) bytes sent"))
            case .dropResponse:
                _ = try await serve(round)
                stats.droppedResponses += 1
                result = .failure(SimulatedNetworkError(description: "connection reset while receiving"))
            case .cutResponse:
                // The client keeps the frames that arrived whole.
                var answer = try await serve(round)
                answer.cutAt = Int.random(in: 0..<max(1, answer.body.count), using: &random)
                stats.droppedResponses += 1
                result = .success(answer)
            case .duplicate:
                _ = try await serve(round)
                stats.duplicatedRequests += 1
                result = .success(try await serve(round))
            case .delayCopy:
                replays.append(round)
                if replays.count > 30 { replays.removeFirst() }
                result = .success(try await serve(round))
            }
        }
        log("round of replica \(index): \(fate)\(result.isFailure ? " (failed)" : "")")
        round.continuation.resume(with: result)
        try await awaitClient(index)
    }

    /// Kills a replica's process: a sync in flight dies where it is (after the server took
    /// its round, or before), and the store is opened again from its file.
    func crash(_ index: Int) async throws {
        let replica = replicas[index]
        if replica.syncing, let round = network.take(index) {
            if serverDownUntil == nil && Bool.random(using: &random) { _ = try await serve(round) }
            round.continuation.resume(throwing: FieldbookError(.internal, Self.crashMessage))
            try await awaitClient(index)
        }
        try replica.restart(idSeed: random.next())
        stats.crashes += 1
        log("replica \(index) killed and restarted")
    }

    /// Waits until the client that was just resumed waits on the network again or ends.
    func awaitClient(_ index: Int) async throws {
        guard let event = await events.next() else { throw SimulationFailure(description: "event stream ended") }
        switch event {
        case .waiting(let replica):
            guard replica == index else {
                throw SimulationFailure(description: "replica \(replica) ran while replica \(index) was scheduled")
            }
        case .finished(let replica, let outcome):
            guard replica == index else {
                throw SimulationFailure(description: "replica \(replica) ended while replica \(index) was scheduled")
            }
            replicas[index].syncing = false
            try await finished(index, outcome)
        }
    }

    func finished(_ index: Int, _ outcome: Result<SyncClient.Progress, any Error>) async throws {
        switch outcome {
        case .success(let progress):
            stats.syncs += 1
            stats.restamped += progress.restamped
            lastProgress[index] = progress
            log(
                "replica \(index) synced: \(progress.rounds) rounds, sent \(progress.sent), received \(progress.received), restamped \(progress.restamped), quarantined \(progress.quarantined)"
            )
            // A replica whose changes sit in the server's quarantine is told so.
            let held = try await server.sync.quarantinedStarts(origin: replicas[index].replicaID)
            guard held.isEmpty || progress.quarantined > 0 else {
                throw SimulationFailure(
                    description: "replica \(index) synced without being told that the server quarantines its changes")
            }
        case .failure(let error as FieldbookError) where error.code == .unavailable:
            stats.syncsGaveUp += 1
            log("replica \(index) sync gave up: \(error.message)")
        case .failure(let error as FieldbookError) where error.code == .internal && error.message == Self.crashMessage:
            break
        case .failure(let error):
            throw SimulationFailure(description: "replica \(index) sync failed: \(error)")
        }
    }

    /// The server takes one round; checks that its clock stayed bounded and that every
    /// change stamped beyond the bound went to quarantine, unmerged and uncounted.
    func serve(_ round: PendingRound, delivered: Int? = nil) async throws -> SimulatedAnswer {
        let pushed = Self.pushedChanges(in: Array(round.body.prefix(delivered ?? round.body.count)))
        let heldBefore = try await server.sync.knowledge()
        let answer = await server.handle(body: round.body, token: round.token, delivered: delivered)
        stats.rounds += 1
        // The embedded store's clock; the PostgreSQL store keeps its clock per partition in
        // its tables, which this check does not read.
        if let reading = try server.sqlite?.store.clockReading(), reading.milliseconds > now + Self.bound {
            throw SimulationFailure(description: "the server's clock ran ahead to \(reading) at \(now)")
        }
        // A request cut short is never answered (status 0): the link broke.
        guard answer.status == 200 || (delivered != nil && answer.status == 0) else {
            throw SimulationFailure(
                description: "the server refused a round of replica \(round.replica) with HTTP \(answer.status)")
        }
        let skewed = pushed.filter { change in
            change.stamp.time.milliseconds > now + Self.bound && heldBefore[change.stream] < change.sequence
                && change.previous.map { change.stamp.time.rawValue != $0.time.rawValue &+ 1 } ?? true
        }
        if !skewed.isEmpty {
            let held = try await server.sync.knowledge()
            let quarantined = Set(
                try await server.sync.quarantined().map {
                    LogPosition(stream: $0.change.stream, sequence: $0.change.sequence)
                })
            for change in skewed {
                guard held[change.stream] < change.sequence else {
                    throw SimulationFailure(description: "change \(change) stamped beyond the bound was merged")
                }
                // Held back in quarantine, or (in a later frame of a stream already held back)
                // left with its sender, who pushes it again once the quarantine is cleared.
                let position = LogPosition(stream: change.stream, sequence: change.sequence)
                let first = try await server.sync.quarantined().filter { $0.change.stream == change.stream }
                    .map(\.change.sequence).min()
                guard quarantined.contains(position) || first.map({ $0 < change.sequence }) == true else {
                    throw SimulationFailure(
                        description: "change \(change) stamped beyond the bound is neither merged nor quarantined")
                }
            }
            stats.quarantinedSeen += skewed.count
        }
        return SimulatedAnswer(status: answer.status, body: answer.body)
    }

    /// The changes of the push frames that arrived whole in a request's bytes.
    static func pushedChanges(in body: [UInt8]) -> [Change] {
        var reader = FrameReader()
        reader.append(body)
        var changes: [Change] = []
        while let message = try? reader.next() {
            if case .changes(let batch) = message { changes += batch.changes }
        }
        return changes
    }

    // MARK: Healing

    /// The faults stop: the network and the server come back, every running sync ends,
    /// clocks are fixed, and everyone syncs until nothing moves.
    func heal() async throws {
        log("heal")
        if serverDownUntil != nil {
            try await server.restart()
            serverDownUntil = nil
        }
        for replica in replicas {
            replica.offlineUntil = -1
            replica.jumpEndsAt = nil
        }
        while let index = network.waiting.first { try await deliver(index, fate: .normal) }
        for replica in replicas { replica.offset = Int64.random(in: -60_000...60_000, using: &random) }
        // What the server still quarantines must wait behind a change that left its author in
        // a bundle before the author re-stamped it: such changes are never re-stamped (a peer
        // may have merged them), and vectors count only contiguous sequences; or it must be an
        // edit of such a change (its author's own or another's), which its re-stamp keeps
        // after the exported value's stamp (a peer holding both must still see the edit win),
        // so it stays as far ahead until the office releases it (seeds 368, 776, 1888). The office releases them (again, if more
        // arrive behind them).
        for _ in 1...10 {
            try await quiesce(untilOnlyQuarantineMoves: true)
            let left = try await server.sync.quarantined()
            if left.isEmpty { break }
            var firstHeld: [StreamID: UInt64] = [:]
            for entry in left {
                guard !entry.reason.isEmpty else {
                    throw SimulationFailure(description: "quarantined change \(entry.change) has no reason")
                }
                firstHeld[entry.change.stream] = min(firstHeld[entry.change.stream] ?? .max, entry.change.sequence)
            }
            for (stream, sequence) in firstHeld {
                guard let author = replicas.first(where: { $0.replicaID == stream.origin }) else {
                    throw SimulationFailure(description: "quarantined changes of an unknown replica \(stream.origin)")
                }
                let exported = try exportedMark(of: stream, at: author)
                let first = left.first { $0.change.stream == stream && $0.change.sequence == sequence }?.change
                let waitsBehindExport = try first.map(editsExported) ?? false
                guard sequence <= UInt64(exported) || waitsBehindExport else {
                    let entries = left.filter { $0.change.stream == stream }.prefix(4).map {
                        "\n  quarantined \($0.change); the author holds \(String(describing: try? author.store.version(of: $0.change.cell)))"
                    }
                    throw SimulationFailure(
                        description:
                            "replica \(author.index)'s changes from #\(sequence) in \(stream.partition) are still quarantined after its clock was fixed, though they never left in a bundle (exported through #\(exported))"
                            + entries.joined()
                    )
                }
            }
            let report = try await server.releaseQuarantine()
            stats.released += report.applied + report.superseded
            log("office releases the quarantine left behind exported changes: \(report.applied + report.superseded)")
        }
        try await quiesce(untilOnlyQuarantineMoves: false)
        try await byzantinePull()
    }

    /// The highest sequence of `stream` that `replica` (its origin) wrote to a bundle.
    func exportedMark(of stream: StreamID, at replica: SimulatedReplica) throws -> Int64 {
        try replica.store.read { db in
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT s.exported FROM fb_streams s JOIN fb_partitions p ON p.id = s.partition
                    JOIN fb_replicas r ON r.id = s.origin WHERE p.partition = ? AND r.replica = ?
                    """,
                arguments: [stream.partition.rawValue.data, stream.origin.rawValue.data]) ?? 0
        }
    }

    /// Whether `change` overwrote a change that left its author in a bundle (at or below
    /// that author's exported mark, in its log or compacted there with its stamp kept):
    /// its own, or another laptop's that reached it in that bundle (seed 1888).
    func editsExported(_ change: Change) throws -> Bool {
        guard let previous = change.previous,
            let author = replicas.first(where: { $0.replicaID == previous.origin })
        else { return false }
        let stream = StreamID(partition: change.partition, origin: previous.origin)
        let exported = try exportedMark(of: stream, at: author)
        return try author.store.read { db in
            try Bool.fetchOne(
                db,
                sql: """
                    WITH s AS (SELECT s.id FROM fb_streams s JOIN fb_partitions p ON p.id = s.partition
                        JOIN fb_replicas r ON r.id = s.origin WHERE p.partition = ?1 AND r.replica = ?2)
                    SELECT EXISTS (SELECT 1 FROM fb_cells, s WHERE fb_cells.id BETWEEN s.id << 32 AND (s.id << 32) + ?3
                            AND fb_cells.hlc = ?4)
                        OR EXISTS (SELECT 1 FROM fb_history, s WHERE fb_history.id BETWEEN s.id << 32 AND (s.id << 32) + ?3
                            AND fb_history.hlc = ?4)
                        OR EXISTS (SELECT 1 FROM fb_digests d, s WHERE d.stream = s.id AND d.sequence <= ?3 AND d.hlc = ?4)
                    """,
                arguments: [
                    stream.partition.rawValue.data, stream.origin.rawValue.data, exported,
                    Int64(bitPattern: previous.time.rawValue),
                ]) ?? false
        }
    }

    /// What the server holds and holds back.
    func serverState() async throws -> (Knowledge, Set<LogPosition>) {
        (
            try await server.sync.knowledge(),
            Set(
                try await server.sync.quarantined().map {
                    LogPosition(stream: $0.change.stream, sequence: $0.change.sequence)
                })
        )
    }

    /// Syncs every replica in turn, without faults, until a whole pass moves nothing (or,
    /// with `untilOnlyQuarantineMoves`, nothing but replicas whose changes the server
    /// keeps in quarantine, which re-stamp and push them again on every sync).
    func quiesce(untilOnlyQuarantineMoves: Bool) async throws {
        for pass in 1...40 {
            now += 60_000
            server.clock.set(now)
            for replica in replicas { replica.tick(trueTime: now) }
            var moved = false
            var received = false
            let before = try await serverState()
            for index in replicas.indices {
                try await startSync(index)
                while replicas[index].syncing { try await deliver(index, fate: .normal) }
                guard let progress = lastProgress.removeValue(forKey: index) else {
                    throw SimulationFailure(description: "replica \(index) did not finish its final sync")
                }
                if progress.sent > 0 || progress.received > 0 || progress.restamped > 0 { moved = true }
                if progress.received > 0 { received = true }
            }
            // Only re-stamps of changes stuck behind exported ones, pushed and quarantined again.
            let after = try await serverState()
            let stuck = !received && after == before
            if !moved || (untilOnlyQuarantineMoves && stuck) {
                stats.quiescencePasses = max(stats.quiescencePasses, pass)
                return
            }
        }
        var detail = ""
        for entry in try await server.sync.quarantined().prefix(6) {
            let current = try server.sqlite?.store.version(of: entry.change.cell)
            detail +=
                "\n  quarantined \(entry.change); the server's winner: \(current.map { "\($0.value) \($0.stamp)" } ?? "none")"
        }
        throw SimulationFailure(description: "no quiescence after 40 passes of fault-free syncs\(detail)")
    }
}

extension Result {
    var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}
