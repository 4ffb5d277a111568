import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookServer
import FieldbookSync
import Foundation
import Synchronization
import Testing

/// A large sync survives rounds cut again and again, before the server took them, in the
/// middle of their push, or in the middle of their answer, and a connection cut every K
/// bytes: nothing lost, nothing merged twice, and a cut costs at most the frame in flight.
struct ResumabilityTests {
    static let changes = Seeds.knob("FIELDBOOK_LARGE_SYNC_CHANGES", default: 3_000)
    static let frameBytes = 1_024

    @Test(arguments: Seeds.list(defaultCount: 1, base: 0xCA7_0400))
    func roundsCutBeforeAndInTheirAnswersStillComplete(seed: UInt64) async throws {
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
            frameBytes: Self.frameBytes, roundBytes: 8 * Self.frameBytes, maxAttempts: 10)

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

        // Every 2nd request never reaches the server; every 3rd is taken whole but its answer
        // breaks off at a random byte.
        var accounts: [FaultyTransport.Accounting] = []
        let cutRandom = Mutex(SeededRandom(seed: seed ^ 0x5EED))
        func faultySync(_ fieldbook: Fieldbook) async throws {
            let faulty = FaultyTransport(server, dropEvery: 2, cutAfterEvery: 3) { size in
                cutRandom.withLock { Int.random(in: 0...max(0, size - 1), using: &$0) }
            }
            try await sync(fieldbook, over: faulty, token: try await token(fieldbook), options: options)
            accounts.append(faulty.accounting())
        }
        try await faultySync(source)
        try await faultySync(other)
        try await faultySync(source)
        let fresh = try replicas.make("fresh")
        try await faultySync(fresh)
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
            #expect(account.changesReceivedTwice == 0, "the client pulled a change twice: \(account)")
            // A push whose answer was cut before its head may have landed: the next round sends
            // one frame again at most, which the server skips as duplicates.
            #expect(
                account.duplicatesReported <= account.blindPushCuts * account.largestPushFrameChanges,
                "more than a frame went up twice per cut: \(account)")
            #expect(
                account.wastedAnswerBytes <= account.answerCuts * account.largestFrame,
                "a cut answer cost more than the frame in flight: \(account)")
            total.add(account)
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

    /// A field link: a new laptop pulls a 3,000-participant roster with Chinese names and
    /// emails, and pushes 2,000 attendance marks, through a proxy that cuts every
    /// connection after K bytes (both directions together). Each sync completes with the
    /// sizes adapting on their own, the replicas converge, nothing reaches anyone twice, and
    /// each cut loses at most the frame in flight.
    @Test(arguments: [16 << 10, 32 << 10, 64 << 10])
    func aFieldLinkCuttingEveryKBytesCompletesAndLosesAtMostAFramePerCut(cutEvery: Int) async throws {
        let replicas = try Replicas()
        try await withTestServer { server in
            let token = try await server.backend.issueToken("office", scope: .all)
            let laptopToken = try await server.backend.issueToken("laptop", scope: .all)
            let office = try replicas.make("office")
            let cohort = try office.addCohort(programme: "NPQH", name: "Field link", starts: "2024-02-18")
            let family = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
            let given = Array("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华")
            var csv = "name,trn,school,city,email\n"
            for index in 0..<3_000 {
                let name =
                    "\(family[index % family.count])\(given[index / family.count % given.count])\(given[index % given.count])"
                csv +=
                    "\(name),\(5_000_000 + index),上海市第\(index % 40 + 1)中学,上海,teacher\(index)@school\(index % 40).edu.cn\n"
            }
            let participants = try office.importParticipants(cohort: cohort.id.description, csv: csv).map(\.id)
            let events = try (0..<20).map { index in
                try office.addEvent(
                    cohort: cohort.id.description,
                    .init(kind: "webinar", title: "Webinar \(index)", starts: "2024-03-\(10 + index)T19:30"))
            }
            try await sync(office, over: ServiceTransport(service: server.backend.service), token: token)

            let proxy = try await CuttingProxy.start(targetPort: server.port) { cutEvery }
            var options = SyncClient.Options.testing(maxAttempts: 30)
            options.sizes = nil
            let laptop = try replicas.make("laptop")
            let (pull, push) = try await withHTTPTransport("http://127.0.0.1:\(proxy.port)") { http in
                let pull = RecordingTransport(http)
                try await sync(laptop, over: pull, token: laptopToken, options: options)
                #expect(try laptop.participants().count == 3_000, "the roster arrived whole")
                // A term of registers marked offline (in one transaction: `attend` writes the
                // same cells, one transaction per mark).
                try laptop.store.write { tx in
                    for (index, event) in events.enumerated() {
                        for participant in participants[(index * 100)..<(index * 100 + 100)] {
                            try tx.set(
                                table: "attendance", key: RowKey(event.id, participant),
                                partition: cohort.partition,
                                columns: [("status", .text("late")), ("remark", .text("迟到五分钟 \(index)"))])
                        }
                    }
                }
                let push = RecordingTransport(http)
                try await sync(laptop, over: push, token: laptopToken, options: options)
                return (pull.totals(), push.totals())
            }
            let counts = proxy.counts
            try await proxy.stop()
            try await sync(office, over: ServiceTransport(service: server.backend.service), token: token)
            try expectIdentical([server.backend.fieldbook, office, laptop], seed: UInt64(cutEvery))
            #expect(try server.backend.fieldbook.attendanceExport(includeUnmarked: false).count == 2_000)

            let lost = pull.wastedAnswerBytes + push.wastedAnswerBytes
            let largest = max(pull.largestFrame, push.largestFrame)
            print(
                "field link, a cut every \(cutEvery >> 10) KB: \(counts.cuts) cuts over \(counts.connections) connections, "
                    + "\(counts.up + counts.down) bytes; pull: \(pull); push: \(push); "
                    + "\(lost / max(1, counts.cuts)) answer bytes lost per cut (largest frame \(largest)); "
                    + "\(push.duplicatesReported) pushed changes sent twice after \(push.blindPushCuts) pushes cut before their answer"
            )
            #expect(counts.cuts >= (cutEvery == 16 << 10 ? 10 : 2), "the proxy should have cut several times")
            #expect(pull.changesReceivedTwice == 0 && push.changesReceivedTwice == 0)
            // A push cut before its answer began may have landed in part: the next round sends
            // one frame again at most (the server skips it as duplicates).
            #expect(pull.duplicatesReported == 0, "a pushed change went up twice")
            #expect(
                push.duplicatesReported <= push.blindPushCuts * push.largestPushFrameChanges,
                "more than a frame went up twice per cut: \(push)")
            #expect(lost <= (pull.cuts + push.cuts) * largest, "a cut lost more than the frame in flight")
        }
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
