import FieldbookCore
import FieldbookProtocol
import FieldbookSync
import Synchronization

/// Passes rounds through as they stream, recording what each attempt sent and what reached
/// the client, so a test can count frames, cuts and the bytes a cut wasted.
final class RecordingTransport: SyncTransport {
    struct Attempt: Sendable {
        var request: [UInt8]
        var delivered: [UInt8] = []
        var failed = false
    }

    private let base: any SyncTransport
    private let log = Mutex<[Attempt]>([])

    init(_ base: any SyncTransport) {
        self.base = base
    }

    var attempts: [Attempt] { log.withLock { $0 } }

    func post(_ body: [UInt8], token: String, receive: (SyncReplyPart) async throws -> Void) async throws {
        let index = log.withLock {
            $0.append(Attempt(request: body))
            return $0.count - 1
        }
        do {
            try await base.post(body, token: token) { part in
                if case .bytes(let chunk) = part { log.withLock { $0[index].delivered += chunk } }
                try await receive(part)
            }
        } catch {
            log.withLock { $0[index].failed = true }
            throw error
        }
    }

    /// Frames, cuts and waste over every attempt.
    struct Totals: CustomStringConvertible {
        var attempts = 0
        var cuts = 0
        var frames = 0
        var changes = 0
        var largestFrame = 0
        /// Answer bytes after the last whole frame of cut attempts: lost in flight.
        var wastedAnswerBytes = 0
        var duplicatesReported = 0
        var changesReceivedTwice = 0
        /// Pushes cut before their head arrived: the next round may send one frame again.
        var blindPushCuts = 0
        /// The most changes one pushed frame carried.
        var largestPushFrameChanges = 0

        var description: String {
            "\(attempts) requests, \(cuts) cut, \(frames) frames (largest \(largestFrame) bytes), "
                + "\(wastedAnswerBytes) answer bytes lost in flight, \(duplicatesReported) duplicates"
        }
    }

    func totals() -> Totals {
        var totals = Totals()
        var received = Set<[UInt8]>()
        for attempt in attempts {
            totals.attempts += 1
            let tally = FrameTally(
                request: attempt.request, answer: attempt.delivered, received: &received,
                receivedTwice: &totals.changesReceivedTwice)
            let whole = tally.wholeAnswerBytes
            let pushedFrames = tally.pushedFrames
            totals.largestFrame = max(totals.largestFrame, tally.largestFrame)
            totals.frames += tally.answerFrames
            totals.changes += tally.answerChanges
            totals.duplicatesReported += tally.duplicatesReported
            totals.largestPushFrameChanges = max(totals.largestPushFrameChanges, tally.largestPushFrameChanges)
            if attempt.failed && pushedFrames > 0 && whole == 0 { totals.blindPushCuts += 1 }
            if attempt.failed {
                totals.cuts += 1
                totals.wastedAnswerBytes += attempt.delivered.count - whole
            }
        }
        return totals
    }
}
