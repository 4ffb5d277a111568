import FieldbookCore
import Foundation
import GRDB

/// The replica's signing key, the keys it pinned for other origins, and the proofs it
/// adds to the batches it sends (``FieldbookCore/ChainVerifier``).
extension ReplicaStore {
    /// This replica's signing key, made (and its public half pinned under its own ID) the
    /// first time it is asked for.
    public func signingKey() throws -> OriginSigningKey {
        try withSession { session in try session.signingKey() }
    }

    /// Pins `key` as `origin`'s public key; the same key again is harmless.
    ///
    /// - Throws: `.forged` when another key is pinned for `origin` already: a replica's
    ///   key never changes, so the new one is someone posing as it.
    public func pin(_ key: OriginPublicKey, for origin: ReplicaID) throws {
        try withSession { session in try session.pin(key, for: origin) }
    }

    /// Pins every key of `keys` in one transaction: all or none. Keys pinned already are
    /// only compared (a round head names them every round): nothing is written for them.
    ///
    /// - Throws: `.forged` naming the first origin that has another key pinned already.
    public func pin(_ keys: [ReplicaID: OriginPublicKey]) throws {
        guard !keys.isEmpty, try pinnedKeys(of: Set(keys.keys)) != keys else { return }
        try withSession { session in
            for origin in keys.keys.sorted() { try session.pin(keys[origin]!, for: origin) }
        }
    }

    /// The keys pinned for `origins`, read in one transaction (a round head names one per
    /// origin it may send).
    public func pinnedKeys(of origins: Set<ReplicaID>) throws -> [ReplicaID: OriginPublicKey] {
        guard !origins.isEmpty else { return [:] }
        return try withReadSession { session in
            var keys: [ReplicaID: OriginPublicKey] = [:]
            for origin in origins { keys[origin] = try session.originKey(of: origin) }
            return keys
        }
    }

    /// The public key pinned for `origin`, if any.
    public func pinnedKey(of origin: ReplicaID) throws -> OriginPublicKey? {
        try withReadSession { session in try session.originKey(of: origin) }
    }

    /// Signs this replica's own streams up to what it holds of each.
    ///
    /// - Returns: how many certificates were made.
    @discardableResult
    public func certifyOwnStreams() throws -> Int {
        try withSession { session in try session.certifyOwnStreams(with: try session.signingKey()).count }
    }

    /// `batch` with a proof for each range this replica can prove; its own streams are
    /// signed first, each exactly to where its range ends (so the proof of a push frame
    /// is one certificate and no digests).
    public func proving(_ batch: ChangeBatch) throws -> ChangeBatch {
        try proving([batch])[0]
    }

    /// Consecutive frames, each proven as ``proving(_:)`` proves one, in one transaction.
    public func proving(_ frames: [ChangeBatch]) throws -> [ChangeBatch] {
        try withSession { session in
            if frames.contains(where: { $0.ranges.contains { $0.stream.origin == replicaID } }) {
                let key = try session.signingKey()
                for frame in frames {
                    for range in frame.ranges where range.stream.origin == replicaID {
                        guard let ref = try session.streamRef(range.stream, create: false) else { continue }
                        let carried = frame.changes.filter { $0.stream == range.stream }
                        try session.certify(range.stream, ref: ref, through: range.through, with: key, carried: carried)
                    }
                }
            }
            return try frames.map { batch in
                var byStream: [StreamID: [Change]] = [:]
                for change in batch.changes { byStream[change.stream, default: []].append(change) }
                var proven = batch
                proven.proofs = try batch.ranges.compactMap { range in
                    try session.proof(for: range, carried: byStream[range.stream] ?? [])
                }
                return proven
            }
        }
    }
}

extension StoreSession {
    func signingKey() throws -> OriginSigningKey {
        if let stored = try Data.fetchOne(db, sql: "SELECT value FROM fb_meta WHERE key = 'signing_key'") {
            return try OriginSigningKey(rawRepresentation: [UInt8](stored))
        }
        let key = OriginSigningKey()
        try db.execute(
            sql: "INSERT INTO fb_meta (key, value) VALUES ('signing_key', ?)", arguments: [Data(key.rawRepresentation)])
        try pin(key.publicKey, for: local)
        return key
    }

    func pin(_ key: OriginPublicKey, for origin: ReplicaID) throws {
        if let pinned = try originKey(of: origin) {
            guard pinned == key else {
                throw FieldbookError(
                    .forged,
                    "replica \(origin.short) presents key \(key), but this replica pinned \(pinned) for it; a replica's key never changes, so the new one is refused"
                )
            }
            return
        }
        try db.execute(
            sql: "INSERT INTO fb_keys (origin, public_key) VALUES (?, ?)",
            arguments: [try replicaRef(origin), Data(key.rawRepresentation)])
    }
}
