import FieldbookCore
import FieldbookProtocol
import FieldbookServer
import Synchronization

/// A `SyncStore` that passes every call to the store it wraps and adds up what each
/// pushed batch merged: the tally a round answered over HTTP cannot hand back (a request
/// cut short gets no answer), for the simulation's "each change merged once" invariant.
final class MergeRecordingStore: SyncStore {
    let inner: any SyncStore
    private let tally = Mutex(BatchMerger.Report())

    init(_ inner: any SyncStore) {
        self.inner = inner
    }

    /// What every push merged since the last call; the tally starts again.
    func takeReport() -> BatchMerger.Report {
        tally.withLock { report in
            defer { report = BatchMerger.Report() }
            return report
        }
    }

    var replicaID: ReplicaID { inner.replicaID }

    func merge(_ batch: ChangeBatch, from sender: ReplicaID, rights: WriterRights) async throws
        -> BatchMerger.Report
    {
        let report = try await inner.merge(batch, from: sender, rights: rights)
        tally.withLock { $0.add(report) }
        return report
    }

    func knowledge() async throws -> Knowledge { try await inner.knowledge() }

    func nextFrame(of assembler: FrameAssembler, byteBudget: Int) async throws
        -> (FrameAssembler, BatchAssembler.Assembly)
    {
        try await inner.nextFrame(of: assembler, byteBudget: byteBudget)
    }

    func quarantinedStarts(origin: ReplicaID) async throws -> [StreamStart] {
        try await inner.quarantinedStarts(origin: origin)
    }

    func quarantined() async throws -> [QuarantineEntry] { try await inner.quarantined() }

    func releaseQuarantine(origin: ReplicaID?) async throws -> BatchMerger.Report {
        try await inner.releaseQuarantine(origin: origin)
    }

    func compact(supersededBefore cutoff: UInt64) async throws -> Int {
        try await inner.compact(supersededBefore: cutoff)
    }

    func token(id: String) async throws -> StoredToken? { try await inner.token(id: id) }
    func insertToken(_ token: StoredToken) async throws { try await inner.insertToken(token) }
    func tokens() async throws -> [StoredToken] { try await inner.tokens() }

    func revokeToken(name: String, at time: UInt64) async throws -> Bool {
        try await inner.revokeToken(name: name, at: time)
    }

    func bindToken(id: String, to replica: ReplicaID, key: OriginPublicKey?) async throws -> TokenBinding {
        try await inner.bindToken(id: id, to: replica, key: key)
    }

    func originKeys(of origins: Set<ReplicaID>) async throws -> [ReplicaID: OriginPublicKey] {
        try await inner.originKeys(of: origins)
    }

    func unbindToken(name: String) async throws -> Bool { try await inner.unbindToken(name: name) }
}
