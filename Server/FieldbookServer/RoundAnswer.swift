import FieldbookCore
import FieldbookProtocol
import Logging

/// The server's framed answer to one round: a ``RoundHead``, change frames of about
/// `frameBytes` each, read from the store as they are sent, and a ``RoundEnd``.
///
/// Each frame is complete in itself (its changes with the stream ranges they cover,
/// compressed and checksummed on its own), so the client commits it as it arrives and a
/// cut loses at most the frame in flight.
public struct RoundAnswer: Sendable {
    let service: SyncService
    let token: StoredToken
    let replica: ReplicaID
    /// The first frame.
    public let head: RoundHead
    /// What the server held when the head was made: the frames send up to it, as the head
    /// says, without reading the vector again.
    let held: Knowledge
    let peer: Knowledge
    let readable: Set<PartitionID>?
    let frameBytes: Int
    let roundBytes: Int
    let report: BatchMerger.Report
    let pushed: Int
    let started: ContinuousClock.Instant

    /// Writes the answer frame by frame.
    ///
    /// A failure of the store after the head was sent is written as an error frame: the
    /// HTTP status is already 200, and the frames before it stay good.
    ///
    /// - Parameter write: sends one encoded frame; a throw (the client went away) ends
    ///   the answer.
    public func stream(_ write: (_ frame: [UInt8]) async throws -> Void) async throws {
        let metrics = service.metrics
        var sentBytes = 0
        var frames: UInt64 = 0
        var changes = 0
        func send(_ message: Message) async throws {
            let frame = WireFormat.frame(message)
            sentBytes += frame.count
            metrics.bytesOut.increment(by: Int64(frame.count))
            try await write(frame)
        }
        try await send(.roundHead(head))
        var assembler = FrameAssembler(local: held, peer: peer, partitions: readable)
        var hasMore = false
        var approximate = 0
        do {
            while true {
                let (advanced, assembly) = try await service.store.nextFrame(of: assembler, byteBudget: frameBytes)
                assembler = advanced
                if !assembly.batch.changes.isEmpty || !assembly.batch.ranges.isEmpty {
                    try await send(.changes(assembly.batch))
                    frames += 1
                    changes += assembly.batch.changes.count
                    approximate += assembly.batch.changes.reduce(0) { $0 + $1.approximateSize }
                }
                hasMore = assembly.hasMore
                guard hasMore, approximate < roundBytes, !assembly.batch.ranges.isEmpty else { break }
            }
        } catch let error as FieldbookError {
            metrics.error(error.code).increment()
            try await send(.error(ErrorMessage(code: error.code, message: error.message)))
            return
        }
        try await send(.roundEnd(RoundEnd(hasMore: hasMore, frames: frames, changes: UInt64(changes))))
        metrics.record(report: report, pushed: pushed, sent: changes)
        metrics.roundSeconds.recordNanoseconds((ContinuousClock.now - started).nanoseconds)
        service.logger.info(
            "sync round",
            metadata: [
                "device": "\(token.name)", "replica": "\(replica.short)", "pushed": "\(pushed)",
                "applied": "\(report.applied)", "conflicts": "\(report.conflicts)",
                "quarantined": "\(report.quarantined)", "sent": "\(changes)", "frames": "\(frames)",
                "bytes": "\(sentBytes)", "more": "\(hasMore)",
            ])
    }

    /// The whole answer as one byte array, for in-process transports and tests.
    public func bytes() async throws -> [UInt8] {
        var bytes: [UInt8] = []
        try await stream { bytes += $0 }
        return bytes
    }
}
