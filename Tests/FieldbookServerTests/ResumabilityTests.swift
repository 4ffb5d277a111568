import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookServer
import FieldbookSync
import Foundation
import Synchronization
import Testing

/// A large sync survives rounds cut again and again, before or after the server merged
/// them, and a connection cut every K bytes: nothing lost, nothing doubled, and each cut
/// costs at most the round in flight.
struct ResumabilityTests {
    static let changes = Seeds.knob("FIELDBOOK_LARGE_SYNC_CHANGES", default: 3_000)
    static let batchBytes = 2_048

    @Test(arguments: Seeds.list(defaultCount: 1, base: 0xCA7_0400))
    func roundsCutBeforeAndAfterTheServerStillComplete(seed: UInt64) async throws {
        var random = SeededRandom(seed: seed)
        let backend = try ServerBackend()
        let server = ServiceTransport(service: backend.service)
        // One office token per replica: the server binds a token to the first replica using it.
        let tokens = OfficeTokens()
        func token(_ fieldbook: Fieldbook) async throws -> String {
            try await tokens.token(for: fieldbook.store.replicaID, backend: backend)
        }
        let replicas = try Replicas()
        let options = SyncClient.Options.testing(
            pushBytes: Self.batchBytes, pullBytes: Self.batchBytes, maxAttempts: 10)

        let source = try replicas.make("source")
        let register = try LargeRegister.roster(on: source, side: LargeRegister.side(forChanges: Self.changes))
        try await sync(source, over: server, token: try await token(source))
        let other = try replicas.make("other")
        try await sync(other, over: server, token: try await token(other))

        // Offline: the source marks every cell; the other replica marks some of them too.
        try register.markAll(on: source)
        let contested = Array(register.cells.shuffled(using: &random).prefix(min(500, register.cells.count / 4)))
        try register.mark(contested, status: "excused", on: other)
        let sample = contested + register.cells.shuffled(using: &random).prefix(300)
        var expected: [CellAddress: CellVersion] = [:]
        for key in sample {
            let cell = CellAddress(table: "attendance", key: key, column: "status")
            let versions = try [source.store.version(of: cell), other.store.version(of: cell)].compactMap { $0 }
            expected[cell] = versions.max { $0.stamp < $1.stamp }
        }

        // Every 2nd request never reaches the server; every 3rd is merged there but its answer is lost.
        var accounts: [FaultyTransport.Accounting] = []
        func faultySync(_ fieldbook: Fieldbook) async throws -> Int {
            let faulty = FaultyTransport(server, dropEvery: 2, cutAfterEvery: 3)
            let progress = try await sync(fieldbook, over: faulty, token: try await token(fieldbook), options: options)
            accounts.append(faulty.accounting())
            return progress.sent + progress.received
        }
        _ = try await faultySync(source)
        _ = try await faultySync(other)
        _ = try await faultySync(source)
        let fresh = try replicas.make("fresh")
        _ = try await faultySync(fresh)
        // Then everyone, until nothing moves: the ledger entries each replica wrote travel too.
        for _ in 0..<4 {
            var moved = 0
            for fieldbook in [source, other, fresh] {
                let progress = try await sync(fieldbook, over: server, token: try await token(fieldbook))
                moved += progress.sent + progress.received
            }
            if moved == 0 { break }
        }
        var total = FaultyTransport.Accounting()
        for account in accounts {
            #expect(account.attempts == 1 || account.cuts > 0, "the schedule cuts every sync of more than one round")
            #expect(account.retriesThatDifferFromTheCutRequest == 0, "a retry was not the cut round again")
            #expect(account.changesReceivedTwice == 0, "the client pulled a change twice: \(account)")
            #expect(account.resentChanges == account.duplicatesReported, "re-sent changes are reported as duplicates")
            #expect(account.wastedPerCut <= Double(account.largestRound), "a cut cost more than one round: \(account)")
            total.attempts += account.attempts
            total.cuts += account.cuts
            total.bytes += account.bytes
            total.wastedBytes += account.wastedBytes
            total.largestRound = max(total.largestRound, account.largestRound)
            total.resentChanges += account.resentChanges
            total.duplicatesReported += account.duplicatesReported
        }
        print("cut rounds (seed \(seed), \(Self.changes) changes, \(accounts.count) syncs): \(total)")
        let everyone = [backend.fieldbook, source, other, fresh]
        try expectIdentical(everyone, seed: seed)
        for (cell, version) in expected {
            for fieldbook in everyone {
                let held = try fieldbook.store.version(of: cell)
                #expect(held?.stamp == version.stamp && held?.value == version.value, "seed \(seed): winner of \(cell)")
            }
        }
        #expect(try backend.fieldbook.conflicts().count >= 1, "concurrent marks are in the ledger")
    }

    @Test(arguments: Seeds.list(defaultCount: 1, base: 0xCA7_0401))
    func aProxyCuttingEveryKBytesCostsAtMostOneRoundPerCut(seed: UInt64) async throws {
        let replicas = try Replicas()
        let source = try replicas.make("source")
        let register = try LargeRegister.roster(on: source, side: LargeRegister.side(forChanges: Self.changes))
        try register.markAll(on: source)
        let bundle = try source.exportBundle().bytes
        let export = try source.exportAttendance(format: .csv)

        struct Run {
            var proxy: CuttingProxy.Totals
            var push: FaultyTransport.Accounting
            var pull: FaultyTransport.Accounting
        }
        func run(_ label: String, budget: @escaping @Sendable () -> Int) async throws -> Run {
            try await withTestServer { server in
                let pusherToken = try await server.backend.issueToken("pusher", scope: .all)
                let pullerToken = try await server.backend.issueToken("puller", scope: .all)
                let proxy = try await CuttingProxy.start(targetPort: server.port, budget: budget)
                let options = SyncClient.Options.testing(
                    pushBytes: Self.batchBytes * 2, pullBytes: Self.batchBytes * 2, maxAttempts: 50)
                let pusher = try replicas.make("pusher-\(label)")
                _ = try pusher.importBundle(bundle)
                let puller = try replicas.make("puller-\(label)")
                let (push, pull) = try await withHTTPTransport("http://127.0.0.1:\(proxy.port)") { http in
                    let up = FaultyTransport(http)
                    try await sync(pusher, over: up, token: pusherToken, options: options)
                    let down = FaultyTransport(http)
                    try await sync(puller, over: down, token: pullerToken, options: options)
                    return (up.accounting(), down.accounting())
                }
                try await proxy.stop()
                for fieldbook in [server.backend.fieldbook, pusher, puller] {
                    #expect(try fieldbook.exportAttendance(format: .csv) == export, "seed \(seed): \(label) lost data")
                }
                try expectIdentical([server.backend.fieldbook, pusher, puller], seed: seed)
                return Run(proxy: proxy.counts, push: push, pull: pull)
            }
        }

        let baseline = try await run("baseline") { .max }
        #expect(baseline.proxy.cuts == 0)
        let largestRound = max(baseline.push.largestRound, baseline.pull.largestRound) + 1_024  // HTTP headers
        let random = Mutex(SeededRandom(seed: seed))
        let cut = try await run("cut") {
            random.withLock { Int.random(in: 2 * largestRound...4 * largestRound, using: &$0) }
        }
        let extra = (cut.proxy.up + cut.proxy.down) - (baseline.proxy.up + baseline.proxy.down)
        let perCut = Double(extra) / Double(max(1, cut.proxy.cuts))
        print(
            "proxy (seed \(seed), \(Self.changes) changes): \(cut.proxy.cuts) cuts over \(cut.proxy.connections) connections; "
                + "\(baseline.proxy.up + baseline.proxy.down) bytes without cuts, \(cut.proxy.up + cut.proxy.down) with; "
                + "\(String(format: "%.0f", perCut)) bytes re-sent per cut (one round is at most \(largestRound))")
        #expect(cut.proxy.cuts >= 3, "the proxy should have cut several times")
        #expect(perCut <= Double(largestRound), "a cut cost more than one round")
        #expect(cut.push.changesReceivedTwice == 0 && cut.pull.changesReceivedTwice == 0)
        #expect(cut.push.retriesThatDifferFromTheCutRequest == 0 && cut.pull.retriesThatDifferFromTheCutRequest == 0)
    }

    /// The streams two knowledges disagree on.
    func difference(_ mine: Knowledge, _ theirs: Knowledge) -> String {
        Set(mine.streams + theirs.streams).sorted().filter { mine[$0] != theirs[$0] }
            .map { "\($0.partition) \($0.origin.short): \(mine[$0]) vs \(theirs[$0])" }.joined(separator: "; ")
    }

    /// Same exports, ledgers and log shape everywhere.
    func expectIdentical(_ fieldbooks: [Fieldbook], seed: UInt64) throws {
        let first = fieldbooks[0]
        let log = try first.store.logCounts()
        #expect(log.pending == 0 && log.quarantined == 0)
        #expect(
            UInt64(log.winners + log.superseded) == (try first.store.knowledge().total),
            "seed \(seed): every change counted is in the log exactly once (\(log))")
        for other in fieldbooks.dropFirst() {
            #expect(try other.exportAttendance(format: .csv) == first.exportAttendance(format: .csv), "seed \(seed)")
            #expect(try other.exportNotes(format: .csv) == first.exportNotes(format: .csv), "seed \(seed)")
            #expect(
                try other.conflicts(includeResolved: true) == first.conflicts(includeResolved: true), "seed \(seed)")
            let (mine, theirs, name) = (
                try other.store.knowledge(), try first.store.knowledge(), try other.store.name()
            )
            #expect(mine == theirs, "seed \(seed): \(name) differs: \(difference(mine, theirs))")
            let counts = try other.store.logCounts()
            #expect(
                counts.winners == log.winners && counts.superseded == log.superseded && counts.pending == 0,
                "seed \(seed): \(counts) vs \(log)")
        }
    }
}
