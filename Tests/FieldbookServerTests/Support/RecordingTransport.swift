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
            var reader = FrameReader()
            reader.append(attempt.delivered)
            var whole = 0
            while let message = try? reader.next() {
                let size = reader.bytesRead - reader.pendingBytes - whole
                whole += size
                totals.largestFrame = max(totals.largestFrame, size)
                switch message {
                case .roundHead(let head): totals.duplicatesReported += Int(head.accepted.duplicates)
                case .changes(let batch):
                    totals.frames += 1
                    totals.changes += batch.changes.count
                    for change in batch.changes {
                        let key =
                            change.stream.partition.rawValue.bytes + change.origin.rawValue.bytes
                            + FaultyTransport.bytes(change.sequence)
                        if !received.insert(key).inserted { totals.changesReceivedTwice += 1 }
                    }
                default: break
                }
            }
            // Push frames count toward the largest frame too.
            var up = FrameReader()
            up.append(attempt.request)
            var sent = 0
            var pushedFrames = 0
            while let message = try? up.next() {
                let size = up.bytesRead - up.pendingBytes - sent
                sent += size
                totals.largestFrame = max(totals.largestFrame, size)
                if case .changes(let batch) = message {
                    pushedFrames += 1
                    totals.largestPushFrameChanges = max(totals.largestPushFrameChanges, batch.changes.count)
                }
            }
            if attempt.failed && pushedFrames > 0 && whole == 0 { totals.blindPushCuts += 1 }
            if attempt.failed {
                totals.cuts += 1
                totals.wastedAnswerBytes += attempt.delivered.count - whole
            }
        }
        return totals
    }
}
