import FieldbookCore
import FieldbookProtocol
import FieldbookSync
import Foundation

/// A client that writes its own requests instead of running ``FieldbookSync/SyncClient``:
/// what a buggy, stolen or hostile laptop can send over real HTTP.
struct HostileClient: Sendable {
    let transport: HTTPSyncTransport
    let token: String
    /// The replica ID the requests present (the one the token is bound to, unless a test
    /// tries another).
    let replica: ReplicaID

    /// What one round came back with.
    enum Answer: Sendable, CustomStringConvertible {
        case accepted(SyncResponse)
        case refused(status: Int, error: FieldbookError)

        var description: String {
            switch self {
            case .accepted(let response): "accepted (\(response.accepted.applied) applied)"
            case .refused(let status, let error): "HTTP \(status) \(error.code): \(error.message)"
            }
        }

        var error: FieldbookError? {
            if case .refused(_, let error) = self { return error }
            return nil
        }
    }

    /// Sends one round: `batch` pushed, up to `pullBytes` asked back.
    func send(
        _ batch: ChangeBatch, knowledge: Knowledge = Knowledge(), as replica: ReplicaID? = nil, pullBytes: UInt32 = 0
    ) async throws -> Answer {
        let open = RoundOpen(
            schemaVersion: 1, replica: replica ?? self.replica, clientTime: SystemWallClock().milliseconds(),
            knowledge: knowledge, roundBytes: pullBytes)
        let request = WireFormat.frame(.roundOpen(open)) + (batch.isEmpty ? [] : WireFormat.frame(.changes(batch)))
        let (status, body) = try await transport.post(request, token: token)
        if status == 200, let response = Self.fold(body) { return .accepted(response) }
        if case .error(let error)? = try? WireFormat.decode(body) {
            return .refused(status: status, error: error.error)
        }
        return .refused(status: status, error: FieldbookError(.corrupt, "unexpected answer (HTTP \(status))"))
    }

    /// A framed answer read whole and folded into one response: the head, every frame's
    /// changes and ranges, the end's `hasMore`.
    static func fold(_ body: [UInt8]) -> SyncResponse? {
        var reader = FrameReader()
        reader.append(body)
        var head: RoundHead?
        var end: RoundEnd?
        var batch = ChangeBatch()
        while let frame = try? reader.next() {
            switch frame {
            case .roundHead(let first): head = first
            case .changes(let changes):
                batch.changes += changes.changes
                batch.ranges += changes.ranges
            case .roundEnd(let last): end = last
            default: return nil
            }
        }
        guard let head, let end else { return nil }
        return SyncResponse(
            server: head.server, serverTime: head.serverTime, knowledge: head.knowledge, accepted: head.accepted,
            quarantined: head.quarantined, batch: batch, hasMore: end.hasMore,
            writablePartitions: head.writablePartitions)
    }

    /// Everything the server lets this token read, pulled page by page from nothing: the
    /// server's canonical content as a client sees it (changes as a set, and vectors).
    func dump() async throws -> ServerDump {
        var knowledge = Knowledge()
        var changes: Set<Change> = []
        var held = Knowledge()
        for _ in 0..<10_000 {
            guard case .accepted(let response) = try await send(ChangeBatch(), knowledge: knowledge, pullBytes: 1 << 20)
            else { throw FieldbookError(.internal, "the auditor's pull was refused") }
            changes.formUnion(response.batch.changes)
            knowledge.advance(through: response.batch.ranges)
            held = response.knowledge
            if !response.hasMore { break }
        }
        return ServerDump(changes: changes, knowledge: held)
    }
}

/// What a server holds, as an office token reads it: equal dumps mean an unchanged store.
struct ServerDump: Equatable, Sendable {
    var changes: Set<Change>
    var knowledge: Knowledge
}
