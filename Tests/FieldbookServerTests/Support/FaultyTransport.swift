import FieldbookCore
import FieldbookProtocol
import FieldbookSync
import Foundation
import Synchronization

/// Wraps a transport and cuts rounds on a schedule, recording every attempt: request
/// number n (from 1) is dropped before it reaches the server when `dropEvery` divides n;
/// else the server takes it whole, and when `cutAfterEvery` divides n its answer is cut
/// after `cutAnswerAt(answer size)` bytes (by default half of it): the client keeps the
/// frames that arrived whole.
final class FaultyTransport: SyncTransport {
    enum Fate: Sendable {
        /// Cut before the server saw it.
        case dropped
        /// Taken by the server, answer cut short.
        case cutAnswer
        /// The underlying transport failed (server down, connection cut by a proxy).
        case failed
        /// Answered whole.
        case answered
    }

    struct Attempt: Sendable {
        var request: [UInt8]
        /// What reached the client.
        var delivered: [UInt8]
        var status: Int?
        var fate: Fate
    }

    struct Cut: Error, CustomStringConvertible {
        var description: String { "connection reset by peer (cut by the test)" }
    }

    private let base: any SyncTransport
    private let dropEvery: Int?
    private let cutAfterEvery: Int?
    private let cutAnswerAt: @Sendable (Int) -> Int
    private let log = Mutex<[Attempt]>([])

    init(
        _ base: any SyncTransport, dropEvery: Int? = nil, cutAfterEvery: Int? = nil,
        cutAnswerAt: @escaping @Sendable (Int) -> Int = { $0 / 2 }
    ) {
        self.base = base
        self.dropEvery = dropEvery
        self.cutAfterEvery = cutAfterEvery
        self.cutAnswerAt = cutAnswerAt
    }

    var attempts: [Attempt] { log.withLock { $0 } }

    func post(_ body: [UInt8], token: String, receive: (SyncReplyPart) async throws -> Void) async throws {
        let number = log.withLock { $0.count } + 1
        if let dropEvery, number % dropEvery == 0 {
            log.withLock { $0.append(Attempt(request: body, delivered: [], fate: .dropped)) }
            throw Cut()
        }
        let answer: (status: Int, body: [UInt8])
        do {
            answer = try await base.post(body, token: token)
        } catch {
            log.withLock { $0.append(Attempt(request: body, delivered: [], fate: .failed)) }
            throw error
        }
        let cut = cutAfterEvery.map { number % $0 == 0 } ?? false
        let delivered = cut ? Array(answer.body.prefix(cutAnswerAt(answer.body.count))) : answer.body
        log.withLock {
            $0.append(
                Attempt(request: body, delivered: delivered, status: answer.status, fate: cut ? .cutAnswer : .answered))
        }
        try await receive(.head(status: answer.status, contentType: WireFormat.contentType, location: nil))
        try await receive(.bytes(delivered))
        if cut { throw Cut() }
    }

    /// What the attempts cost and what the cuts wasted.
    struct Accounting: CustomStringConvertible {
        var attempts = 0
        var cuts = 0
        var bytes = 0
        /// Bytes of cut attempts that did not arrive as whole frames: what the cuts cost.
        var wastedBytes = 0
        var largestFrame = 0
        var frames = 0
        var duplicatesReported = 0
        var changesReceivedTwice = 0
        /// Pushes whose answer was cut before its head: the next round may send one frame again.
        var blindPushCuts = 0
        /// The most changes one pushed frame carried.
        var largestPushFrameChanges = 0
        /// Answers cut short, and their bytes after the last whole frame.
        var answerCuts = 0
        var wastedAnswerBytes = 0

        var wastedPerCut: Double { cuts == 0 ? 0 : Double(wastedBytes) / Double(cuts) }

        var description: String {
            "\(attempts) requests, \(cuts) cuts, \(bytes) bytes moved, \(wastedBytes) wasted "
                + "(\(String(format: "%.0f", wastedPerCut)) per cut; \(frames) frames, largest \(largestFrame)), "
                + "\(duplicatesReported) duplicates reported by the server"
        }

        mutating func add(_ other: Accounting) {
            attempts += other.attempts
            cuts += other.cuts
            bytes += other.bytes
            wastedBytes += other.wastedBytes
            largestFrame = max(largestFrame, other.largestFrame)
            frames += other.frames
            duplicatesReported += other.duplicatesReported
            changesReceivedTwice += other.changesReceivedTwice
            answerCuts += other.answerCuts
            blindPushCuts += other.blindPushCuts
            largestPushFrameChanges = max(largestPushFrameChanges, other.largestPushFrameChanges)
            wastedAnswerBytes += other.wastedAnswerBytes
        }
    }

    /// Adds up the attempts: the frames each delivered whole, the bytes a cut wasted (a
    /// dropped request; the part of an answer after its last whole frame), and changes
    /// that reached the client twice.
    func accounting() -> Accounting {
        var totals = Accounting()
        var received = Set<[UInt8]>()
        for attempt in attempts {
            totals.attempts += 1
            totals.bytes += attempt.request.count + attempt.delivered.count
            let tally = FrameTally(
                request: attempt.request, answer: attempt.status == 200 ? attempt.delivered : [], received: &received,
                receivedTwice: &totals.changesReceivedTwice)
            let whole = tally.wholeAnswerBytes
            totals.largestFrame = max(totals.largestFrame, tally.largestFrame)
            totals.frames += tally.answerFrames
            totals.duplicatesReported += tally.duplicatesReported
            totals.largestPushFrameChanges = max(totals.largestPushFrameChanges, tally.largestPushFrameChanges)
            let pushedFrames = tally.pushedFrames
            if attempt.fate == .cutAnswer && pushedFrames > 0 && whole == 0 { totals.blindPushCuts += 1 }
            switch attempt.fate {
            case .answered: break
            case .dropped, .failed:
                totals.cuts += 1
                totals.wastedBytes += attempt.request.count
            case .cutAnswer:
                totals.cuts += 1
                totals.answerCuts += 1
                totals.wastedBytes += attempt.delivered.count - whole
                totals.wastedAnswerBytes += attempt.delivered.count - whole
            }
        }
        return totals
    }
}
