import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookServer
import FieldbookSync
import Foundation
import Synchronization
import Testing

/// A link that stops delivering, or delivers a byte at a time: the client's watchdog ends
/// the connection, keeps every frame that arrived whole, and the next attempt goes on from
/// there.
struct SlowLinkTests {
    /// Passes the first attempt's answer through up to `after` bytes, then misbehaves:
    /// stalls (nothing more, ever) or trickles the rest a byte at a time; later attempts
    /// pass through.
    final class BadLink: SyncTransport {
        enum Mode: Sendable { case stall, trickle }
        let base: any SyncTransport
        let mode: Mode
        let after: Int
        private let attempts = Mutex(0)

        init(_ base: any SyncTransport, mode: Mode, after: Int) {
            self.base = base
            self.mode = mode
            self.after = after
        }

        func post(_ body: [UInt8], token: String, receive: (SyncReplyPart) async throws -> Void) async throws {
            let attempt = attempts.withLock {
                $0 += 1
                return $0
            }
            let answer = try await base.post(body, token: token)
            try await receive(.head(status: answer.status, contentType: WireFormat.contentType, location: nil))
            guard attempt == 1 else {
                try await receive(.bytes(answer.body))
                return
            }
            let cut = min(after, answer.body.count)
            try await receive(.bytes(Array(answer.body.prefix(cut))))
            switch mode {
            case .stall:
                try await Task.sleep(for: .seconds(120))
            case .trickle:
                for byte in answer.body.dropFirst(cut) {
                    try await Task.sleep(for: .milliseconds(20))
                    try await receive(.bytes([byte]))
                }
            }
        }
    }

    @Test(arguments: [BadLink.Mode.stall, .trickle])
    func aStalledOrTricklingAnswerIsEndedAndItsFramesKept(mode: BadLink.Mode) async throws {
        let scenario = try await Scenario.make()
        let office = try await scenario.officeWithRoster(of: 400)
        let laptop = try scenario.replicas.make("laptop")
        let server = ServiceTransport(service: scenario.backend.service)
        // The frames of 2 KB that fit in the first 4 KB arrive (of about 14 KB); then the
        // link misbehaves.
        let link = RecordingTransport(BadLink(server, mode: mode, after: 4 << 10))
        var options = SyncClient.Options.testing(frameBytes: 2048, roundBytes: 1 << 20)
        options.idleTimeout = .milliseconds(400)
        options.frameTimeout = .seconds(1)
        let started = ContinuousClock.now
        let progress = try await SyncClient(
            store: laptop.store, transport: link, token: try await scenario.officeToken(for: laptop.store.replicaID),
            options: options, sleep: { _ in }
        ).run()
        let elapsed = ContinuousClock.now - started
        // Left alone, the stalled link holds the attempt for 120 s and the trickle for minutes.
        #expect(elapsed < .seconds(100), "the watchdog did not end the \(mode) link: \(elapsed)")
        #expect(progress.retries >= 1, "the \(mode) attempt was not ended and retried")
        #expect(try laptop.participants().count == (try office.participants().count))
        #expect(try laptop.store.knowledge() == (try await scenario.backend.knowledge()))
        // What the first attempt delivered whole was merged and kept: nothing came twice.
        let totals = link.totals()
        #expect(totals.cuts == 1 && totals.frames > 2, "\(totals)")
        #expect(totals.changesReceivedTwice == 0, "\(totals)")
    }
}
