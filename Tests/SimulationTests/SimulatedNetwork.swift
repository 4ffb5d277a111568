import FieldbookCore
import FieldbookSync
import Synchronization

/// A failure of the simulated network, as a real transport would throw it: the sync
/// client treats it as retryable.
struct SimulatedNetworkError: Error, CustomStringConvertible {
    var description: String
}

/// A sync round held in the simulated network: the client is suspended in `post` until
/// the scheduler decides what happens to it.
struct PendingRound: Sendable {
    let replica: Int
    let body: [UInt8]
    let token: String
    let continuation: CheckedContinuation<SimulatedAnswer, any Error>
}

/// What the network delivers to a waiting client: an answer, whole or cut after `cutAt` bytes.
struct SimulatedAnswer: Sendable {
    var status: Int
    var body: [UInt8]
    /// The answer breaks off after this many bytes (the client keeps the whole frames).
    var cutAt: Int?
}

/// What a client task tells the scheduler when it stops running.
enum ClientEvent: Sendable {
    /// The client is suspended in `post`, waiting for the network.
    case waiting(replica: Int)
    /// `SyncClient.run` returned or threw.
    case finished(replica: Int, outcome: Result<SyncClient.Progress, any Error>)
}

/// The simulated network between the sync clients and the server.
///
/// Every client runs in its own task, but only one of them runs at a time: the scheduler
/// resumes one client, then waits until that client is suspended in `post` again or has
/// finished. So all I/O on the stores happens in an order the seed alone decides, and a
/// run replays exactly.
final class SimulatedNetwork: Sendable {
    private let pending = Mutex<[Int: PendingRound]>([:])
    let events: AsyncStream<ClientEvent>
    private let sink: AsyncStream<ClientEvent>.Continuation

    init() {
        (events, sink) = AsyncStream.makeStream(of: ClientEvent.self)
    }

    /// A client's request enters the network; the client waits.
    func arrive(_ round: PendingRound) {
        pending.withLock { $0[round.replica] = round }
        sink.yield(.waiting(replica: round.replica))
    }

    /// A client task ended.
    func finished(_ replica: Int, _ outcome: Result<SyncClient.Progress, any Error>) {
        sink.yield(.finished(replica: replica, outcome: outcome))
    }

    /// Takes the round a replica is waiting on, if any.
    func take(_ replica: Int) -> PendingRound? {
        pending.withLock { $0.removeValue(forKey: replica) }
    }

    /// The replicas waiting on the network, in order.
    var waiting: [Int] {
        pending.withLock { $0.keys.sorted() }
    }
}

/// The transport a simulated replica's `SyncClient` uses: it parks the request in the
/// simulated network and returns whatever the scheduler decides.
struct SimulatedTransport: SyncTransport {
    let replica: Int
    let network: SimulatedNetwork

    func post(_ body: [UInt8], token: String, receive: (SyncReplyPart) async throws -> Void) async throws {
        let answer = try await withCheckedThrowingContinuation { continuation in
            network.arrive(PendingRound(replica: replica, body: body, token: token, continuation: continuation))
        }
        try await receive(.head(status: answer.status, contentType: "application/vnd.fieldbook", location: nil))
        guard let cut = answer.cutAt else {
            try await receive(.bytes(answer.body))
            return
        }
        try await receive(.bytes(Array(answer.body.prefix(cut))))
        throw SimulatedNetworkError(description: "connection reset after \(cut) bytes of the answer")
    }
}
