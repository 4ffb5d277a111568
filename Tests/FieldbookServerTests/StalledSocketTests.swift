import Fieldbook
import FieldbookCore
import Foundation
import Synchronization
import Testing

/// The built `fieldbook sync` over a real loopback socket whose answer stops part way, or
/// slows to a byte a second, and then the link goes down: the watchdog ends the stalled
/// connection, the run stops saying what it kept, the frames merged before the stall stay
/// merged, and the next run, once the link is back, finishes with nothing received twice.
struct StalledSocketTests {
    enum Link: String, Sendable, CaseIterable { case stall, trickle }

    /// Whether the link is back, flipped by the test, read by the proxy's event loop.
    final class Healed: Sendable {
        private let value = Mutex(false)
        var isOn: Bool { value.withLock { $0 } }
        func set() { value.withLock { $0 = true } }
    }

    @Test(arguments: Link.allCases)
    func aStalledOrTricklingAnswerIsEndedAndTheNextRunFinishes(link: Link) async throws {
        let replicas = try Replicas()
        let home = try TemporaryDirectory("fieldbook-stall")
        try await withTestServer { server in
            let officeToken = try await server.backend.issueToken("office", scope: .all)
            let laptopToken = try await server.backend.issueToken("laptop", scope: .all)
            let office = try replicas.make("office")
            let cohort = try office.addCohort(programme: "NPQH", name: "Stalled link", starts: "2024-02-18")
            var csv = "name,trn,school,city,email\n"
            for index in 0..<1_500 {
                csv += "李老师 \(index),\(5_000_000 + index),成都市第\(index % 30 + 1)中学,成都,li\(index)@school.edu.cn\n"
            }
            _ = try office.importParticipants(cohort: cohort.id.description, csv: csv)
            try await sync(office, over: ServiceTransport(service: server.backend.service), token: officeToken)
            let genesis = try replicas.make("fresh").store.knowledge().total
            let lacking = Int(try await server.backend.knowledge().total - genesis)

            // The first connection passes 24 KB of the answer (a few whole frames), then
            // stalls or trickles; until the link is back, every other connection is refused.
            let healed = Healed()
            let proxy = try await StallingProxy.start(targetPort: server.port) { number in
                if number == 1 {
                    return link == .stall ? .stall(after: 24 << 10) : .trickle(after: 24 << 10, interval: .seconds(1))
                }
                return healed.isOn ? .pass : .refuse
            }
            let laptop = home.file("laptop.sqlite")
            let initialized = try await Executables.run(
                "fieldbook", ["init", "--db", laptop, "--name", "Laptop"], home: home.path)
            #expect(initialized.status == 0, "\(initialized)")
            let url = "http://127.0.0.1:\(proxy.port)"
            // Not much shorter: the whole suite runs at once on CI's two cores, and the server
            // must get its first frames out before the watchdog may call the link dead.
            let watchdog = link == .stall ? ["--idle-timeout", "4"] : ["--frame-timeout", "6"]
            let started = ContinuousClock.now
            let first = try await Executables.run(
                "fieldbook",
                ["sync", "--db", laptop, "--server", url, "--token", laptopToken, "--attempts", "2"] + watchdog,
                home: home.path, timeout: .seconds(90))
            let elapsed = ContinuousClock.now - started
            #expect(first.status == 69, "\(first)")
            #expect(elapsed < .seconds(30), "the watchdog did not end the \(link) connection in time: \(elapsed)")
            let reason = link == .stall ? "no byte arrived for 4 s" : "the link is too slow (no whole frame in 6 s)"
            #expect(first.stderr.contains(reason + "; "), "\(first)")
            let lastLine = first.stderr.split(separator: "\n").last.map(String.init) ?? ""
            let kept = try #require(
                lastLine.firstMatch(of: #/^fieldbook: server unreachable \(.*\); kept the (\d+) changes received; /#)
                    .flatMap { Int($0.1) },
                "\(first)")
            #expect(kept > 0 && kept < lacking, "the frames before the \(link) were kept: \(kept) of \(lacking)")
            let held = try Fieldbook.open(at: laptop).store.knowledge().total - genesis
            #expect(held == UInt64(kept), "the replica holds what the run said it kept")
            #expect(proxy.counts.connections >= 2, "\(proxy.counts)")

            healed.set()
            let second = try await Executables.run(
                "fieldbook", ["sync", "--db", laptop, "--server", url, "--token", laptopToken, "--json"],
                home: home.path, timeout: .seconds(90))
            #expect(second.status == 0, "\(second)")
            let summary = try #require(
                try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any], "\(second)")
            #expect(summary["received"] as? Int == lacking - kept, "a change came twice, or one is missing: \(summary)")
            #expect(try Fieldbook.open(at: laptop).store.knowledge() == (try await server.backend.knowledge()))
            try await proxy.stop()
        }
    }
}
