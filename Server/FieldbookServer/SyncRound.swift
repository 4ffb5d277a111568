import FieldbookCore
import FieldbookProtocol
import Logging

/// One framed sync round on the server, fed the request's bytes as they arrive.
///
/// The request is a ``RoundOpen`` frame, then change frames. Each change frame is merged
/// in its own transaction as soon as it is complete, so a push cut short on a bad link
/// keeps every whole frame it delivered; the client learns what landed from the next
/// round's ``RoundHead`` and resumes from there. Nothing is merged twice: a frame sent
/// again is skipped as duplicates by the same rule that makes rounds idempotent.
///
/// ```swift
/// var round = service.startRound(token: token)
/// for try await chunk in request.body { try await round.receive(chunk.readableBytesView) }
/// let answer = try await round.finish()
/// try await answer.stream { frame in try await writer.write(frame) }
/// ```
public struct SyncRound: Sendable {
    let service: SyncService
    let token: StoredToken
    let started = ContinuousClock.now
    private var reader: FrameReader
    private(set) var open: RoundOpen?
    /// What the token is bound to, once the opening frame was taken.
    private var binding: TokenBinding?
    /// Whether this round is counted in the service's ``ReadingRounds``.
    private var reading = false
    /// What the pushed frames did, all together.
    public private(set) var report = BatchMerger.Report()
    /// Changes pushed in complete frames.
    public private(set) var pushed = 0
    /// Ranges of the pushed frames: the client holds what it pushed, so it is not sent back.
    private var pushedRanges: [StreamRange] = []

    init(service: SyncService, token: StoredToken) {
        self.service = service
        self.token = token
        let frame = DecodeLimits.frame
        reader = FrameReader(
            limits: DecodeLimits(
                maxEncodedBytes: frame.maxEncodedBytes, maxDecodedBytes: frame.maxDecodedBytes,
                maxChanges: min(frame.maxChanges, service.limits.maxChangesPerRound)))
    }

    /// Complete frames received so far.
    public var framesReceived: Int { reader.framesRead }

    /// Takes in the next bytes of the request body, merging every frame they complete.
    ///
    /// - Throws: ``FieldbookError``: `.unsupportedVersion` for a request from a client too
    ///   old to frame its rounds, `.invalidInput` for frames in the wrong order,
    ///   `.corrupt` / `.tooLarge` for a bad frame, `.scopeDenied` for a change outside the
    ///   token's partitions, `.sequenceGap` for a range above what the server holds. The
    ///   frames merged before the failure stay merged.
    public mutating func receive(_ bytes: some Collection<UInt8>) async throws {
        guard reader.bytesRead + bytes.count <= service.limits.maxRequestBytes else {
            throw FieldbookError(
                .tooLarge,
                "request is larger than \(service.limits.maxRequestBytes) bytes; sync with a smaller --round-bytes")
        }
        reader.append(bytes)
        if let (version, kind) = reader.leadingHeader, version < WireFormat.framedVersion {
            guard version > WireFormat.version || kind == .syncRequest else {
                throw FieldbookError(
                    .invalidInput, "expected a framed sync request, got a \(kind); check the client version")
            }
            throw FieldbookError(
                .unsupportedVersion,
                "this fieldbook is too old for the server, which syncs signed frames (format \(WireFormat.framedVersion)); upgrade fieldbook"
            )
        }
        while let message = try reader.next() {
            try await take(message)
        }
    }

    private mutating func take(_ message: Message) async throws {
        switch (open, message) {
        case (nil, .roundOpen(let first)):
            // Schemas only grow and unknown columns are kept and forwarded (PROTOCOL.md §9),
            // so every schema version syncs.
            // The token is bound to one replica: another replica's ID is refused here.
            binding = try await service.bind(token, to: first.replica, key: first.publicKey)
            open = first
            service.readingRounds.begin(first.replica)
            reading = true
        case (nil, _):
            throw FieldbookError(
                .invalidInput, "a sync request starts with a round-open frame, not \(message.kind); upgrade fieldbook")
        case (let open?, .changes(let batch)):
            guard pushed + batch.changes.count <= service.limits.maxChangesPerRound else {
                throw FieldbookError(
                    .tooLarge,
                    "a round carries at most \(service.limits.maxChangesPerRound) changes; send smaller rounds (--round-bytes)"
                )
            }
            if let binding {
                try service.checkSignatures(of: batch, from: open.replica, binding: binding, token: token)
            }
            let merged = try await merge(batch, from: open.replica)
            report.add(merged)
            pushed += batch.changes.count
            pushedRanges += batch.ranges
        case (.some, _):
            throw FieldbookError(.invalidInput, "unexpected \(message.kind) frame in a sync request")
        }
    }

    /// The request's body has ended, whole or not: call once reading stops for any reason,
    /// so later rounds of the same replica need not wait for this one (``finish()`` calls it).
    public mutating func endReading() {
        guard reading, let open else { return }
        reading = false
        service.readingRounds.end(open.replica)
    }

    /// Merges one pushed frame. A stream whose earlier changes this server holds in
    /// quarantine (the sender's clock was ahead) continues in this frame above what the
    /// server holds: those changes wait with the sender, as they would had they come in the
    /// same frame (they are not counted as held, so the sender pushes them again once the
    /// quarantine is cleared), and the rest of the frame merges.
    private func merge(_ frame: ChangeBatch, from sender: ReplicaID) async throws -> BatchMerger.Report {
        var batch = frame
        var skipped: Set<StreamID> = []
        while true {
            do {
                return try await service.merge(frame: batch, from: sender, token: token)
            } catch let error as FieldbookError where error.code == .sequenceGap {
                guard let stream = error.resume?.stream, skipped.insert(stream).inserted,
                    try await service.store.quarantinedStarts(origin: stream.origin).contains(where: {
                        $0.stream == stream
                    })
                else { throw error }
                batch.changes.removeAll { $0.stream == stream }
                batch.ranges.removeAll { $0.stream == stream }
            }
        }
    }

    /// Ends the request and prepares the answer.
    ///
    /// - Throws: `.corrupt` when the request ended in the middle of a frame or had no
    ///   opening frame.
    public mutating func finish() async throws -> RoundAnswer {
        endReading()
        guard reader.pendingBytes == 0 else {
            throw FieldbookError(
                .corrupt,
                "the request ended \(reader.pendingBytes) bytes into a frame; it was cut short, so send it again")
        }
        guard let open else {
            throw FieldbookError(.corrupt, "the request holds no round-open frame; it was cut short, so send it again")
        }
        // An earlier round of this replica cut short may still be merging its last frames.
        await service.readingRounds.settle(open.replica)
        let store = service.store
        var peer = open.knowledge
        peer.advance(through: pushedRanges)
        let held = try await store.knowledge()
        let readable = token.scope.readable(among: held.partitions)
        // The keys of the origins whose changes the answer may carry, so the laptop pins
        // them from its server before any bundle names a key for them.
        let sent = Set(
            held.streams.filter { (readable?.contains($0.partition) ?? true) && held[$0] > peer[$0] }.map(\.origin))
        let head = RoundHead(
            server: store.replicaID, serverTime: service.wallClock.milliseconds(),
            knowledge: readable.map { held.restricted(to: $0) } ?? held, accepted: MergeSummary(report),
            quarantined: try await service.quarantinedStarts(of: open.replica, token: token),
            writablePartitions: token.scope.writable, originKeys: try await store.originKeys(of: sent))
        let limits = service.limits
        return RoundAnswer(
            service: service, token: token, replica: open.replica, head: head, held: held, peer: peer,
            readable: readable,
            frameBytes: open.frameBytes == 0
                ? limits.defaultFrameBytes : min(max(Int(open.frameBytes), 512), limits.maxFrameBytes),
            roundBytes: open.roundBytes == 0
                ? limits.defaultResponseBytes : min(Int(open.roundBytes), limits.maxResponseBytes),
            report: report, pushed: pushed, started: started)
    }
}
