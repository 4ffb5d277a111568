import FieldbookCore
import FieldbookProtocol
import FieldbookSync
import Foundation
import Synchronization

/// Wraps a transport and cuts rounds on a schedule, recording every attempt: request
/// number n (from 1) is dropped before it reaches the server when `dropEvery` divides n,
/// else delivered and its answer lost (the server merged, the client never hears) when
/// `cutAfterEvery` divides n.
final class FaultyTransport: SyncTransport {
    enum Fate: Sendable {
        /// Cut before the server saw it.
        case dropped
        /// Merged by the server, answer lost.
        case cutAfterServer
        /// The underlying transport failed (server down, connection cut by a proxy).
        case failed
        /// Answered.
        case answered
    }

    struct Attempt: Sendable {
        var request: [UInt8]
        var response: [UInt8]?
        var status: Int?
        var fate: Fate
    }

    struct Cut: Error, CustomStringConvertible {
        var description: String { "connection reset by peer (cut by the test)" }
    }

    private let base: any SyncTransport
    private let dropEvery: Int?
    private let cutAfterEvery: Int?
    private let log = Mutex<[Attempt]>([])

    init(_ base: any SyncTransport, dropEvery: Int? = nil, cutAfterEvery: Int? = nil) {
        self.base = base
        self.dropEvery = dropEvery
        self.cutAfterEvery = cutAfterEvery
    }

    var attempts: [Attempt] { log.withLock { $0 } }

    func post(_ body: [UInt8], token: String) async throws -> (status: Int, body: [UInt8]) {
        let number = log.withLock { $0.count } + 1
        if let dropEvery, number % dropEvery == 0 {
            log.withLock { $0.append(Attempt(request: body, fate: .dropped)) }
            throw Cut()
        }
        let answer: (status: Int, body: [UInt8])
        do {
            answer = try await base.post(body, token: token)
        } catch {
            log.withLock { $0.append(Attempt(request: body, fate: .failed)) }
            throw error
        }
        let cut = cutAfterEvery.map { number % $0 == 0 } ?? false
        log.withLock {
            $0.append(
                Attempt(
                    request: body, response: answer.body, status: answer.status, fate: cut ? .cutAfterServer : .answered
                ))
        }
        if cut { throw Cut() }
        return answer
    }

    /// What the attempts cost and what the cuts wasted.
    struct Accounting: CustomStringConvertible {
        var attempts = 0
        var cuts = 0
        var bytes = 0
        var wastedBytes = 0
        var largestRound = 0
        var resentChanges = 0
        var duplicatesReported = 0
        var changesReceivedTwice = 0
        var retriesThatDifferFromTheCutRequest = 0

        var wastedPerCut: Double { cuts == 0 ? 0 : Double(wastedBytes) / Double(cuts) }

        var description: String {
            "\(attempts) requests, \(cuts) cuts, \(bytes) bytes moved, \(wastedBytes) wasted "
                + "(\(String(format: "%.0f", wastedPerCut)) per cut; largest round \(largestRound)), "
                + "\(resentChanges) changes re-sent, \(duplicatesReported) duplicates reported by the server"
        }
    }

    /// Adds up the attempts: a cut attempt's bytes are wasted, the next attempt must be
    /// the same request again (rounds are idempotent; nothing restarts from zero), and a
    /// request the server already merged is answered with its changes as duplicates.
    func accounting() -> Accounting {
        var totals = Accounting()
        var received = Set<[UInt8]>()
        var merged = Set<[UInt8]>()
        let attempts = attempts
        for (index, attempt) in attempts.enumerated() {
            let roundBytes = attempt.request.count + (attempt.response?.count ?? 0)
            totals.attempts += 1
            totals.bytes += roundBytes
            totals.largestRound = max(totals.largestRound, roundBytes)
            if index > 0, attempts[index - 1].fate != .answered, attempts[index - 1].request != attempt.request {
                totals.retriesThatDifferFromTheCutRequest += 1
            }
            let response: SyncResponse? =
                if case .syncResponse(let response)? = try? WireFormat.decode(attempt.response ?? []) {
                    response
                } else {
                    nil
                }
            if let response, !merged.insert(attempt.request).inserted {
                totals.resentChanges += Self.request(attempt.request)?.batch.changes.count ?? 0
                totals.duplicatesReported += Int(response.accepted.duplicates)
            }
            guard attempt.fate == .answered else {
                totals.cuts += 1
                totals.wastedBytes += roundBytes
                continue
            }
            for change in response?.batch.changes ?? [] {
                let key =
                    change.stream.partition.rawValue.bytes + change.origin.rawValue.bytes + Self.bytes(change.sequence)
                if !received.insert(key).inserted { totals.changesReceivedTwice += 1 }
            }
        }
        return totals
    }

    static func request(_ body: [UInt8]) -> SyncRequest? {
        if case .syncRequest(let request)? = try? WireFormat.decode(body) { return request }
        return nil
    }

    static func bytes(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}
