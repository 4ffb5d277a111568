import FieldbookCore
import Foundation
import GRDB

/// Signed chains in the replica file: the chain state of each stream (`fb_streams`), the
/// certificates (`fb_certificates`), the digests of changes the log does not hold
/// (`fb_digests`) and the pinned keys (`fb_keys`).
extension StoreSession: ChainKeeping {
    func chainState(of stream: StreamID) throws -> ChainState {
        guard let ref = try streamRef(stream, create: false) else { return .empty }
        let row = try Row.fetchOne(
            db, sql: "SELECT chain_base, chain_head FROM fb_streams WHERE id = ?", arguments: [ref])
        let head = (row?["chain_head"] as Data?).flatMap { Hash256(bytes: [UInt8]($0)) }
        return ChainState(base: UInt64(row?["chain_base"] as Int64? ?? 0), held: try heldSequence(ref: ref), head: head)
    }

    func originKey(of origin: ReplicaID) throws -> OriginPublicKey? {
        guard
            let bytes = try Data.fetchOne(
                db,
                sql: "SELECT k.public_key FROM fb_keys k JOIN fb_replicas r ON r.id = k.origin WHERE r.replica = ?",
                arguments: [origin.rawValue.data])
        else { return nil }
        return try OriginPublicKey(rawRepresentation: [UInt8](bytes))
    }

    func keepChain(_ verification: ChainVerifier.Verification, of stream: StreamID, reached: UInt64) throws {
        guard let ref = try streamRef(stream, create: true) else { return }
        try db.execute(
            sql: "UPDATE fb_streams SET chain_base = ?, chain_head = ? WHERE id = ?",
            arguments: [Int64(verification.base), verification.head(at: reached).map { Data($0.bytes) }, ref])
        guard let certificate = verification.certificate else { return }
        try keep(certificate, ref: ref)
        for digest in verification.digestsToKeep(reached: reached) {
            try db.execute(
                sql: "INSERT OR REPLACE INTO fb_digests (stream, sequence, digest) VALUES (?, ?, ?)",
                arguments: [ref, Int64(digest.sequence), Data(digest.digest.bytes)])
        }
    }

    func forgetChainHead(of stream: StreamID) throws {
        guard let ref = try streamRef(stream, create: false) else { return }
        try db.execute(
            sql: "UPDATE fb_streams SET chain_head = NULL WHERE id = ? AND chain_head IS NOT NULL", arguments: [ref])
    }

    func keep(_ certificate: StreamCertificate, ref: Int64) throws {
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO fb_certificates (stream, through, base, head, signature)
                VALUES (?, ?, ?, ?, ?)
                """,
            arguments: [
                ref, Int64(certificate.through), Int64(certificate.base), Data(certificate.head.bytes),
                Data(certificate.signature),
            ])
    }

    /// The certificate of `stream` ending at or after `sequence` that ends first.
    func certificate(of stream: StreamID, ref: Int64, atOrAfter sequence: UInt64) throws -> StreamCertificate? {
        try Row.fetchOne(
            db,
            sql: """
                SELECT through, base, head, signature FROM fb_certificates
                WHERE stream = ? AND through >= ? ORDER BY through LIMIT 1
                """,
            arguments: [ref, Int64(sequence)]
        ).flatMap { row in
            guard let head = Hash256(bytes: [UInt8](row["head"] as Data)) else { return nil }
            return StreamCertificate(
                stream: stream, base: UInt64(row["base"] as Int64), through: UInt64(row["through"] as Int64),
                head: head, signature: [UInt8](row["signature"] as Data))
        }
    }

    /// The kept digests of `stream` in `(after, through]`, by sequence.
    func keptDigests(ref: Int64, after: UInt64, through: UInt64) throws -> [UInt64: Hash256] {
        var digests: [UInt64: Hash256] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT sequence, digest FROM fb_digests WHERE stream = ? AND sequence > ? AND sequence <= ?",
            arguments: [ref, Int64(after), Int64(through)])
        {
            digests[UInt64(row["sequence"] as Int64)] = Hash256(bytes: [UInt8](row["digest"] as Data))
        }
        return digests
    }

    /// The proof of `range` for a batch that carries `carried` of it: the first
    /// certificate at or after the range's end, and the digests of every sequence up to
    /// it that the batch does not carry. `nil` when this replica cannot prove the range
    /// (no certificate reaches it, or a digest is missing): the receiver decides then.
    func proof(for range: StreamRange, carried: some Collection<Change>) throws -> StreamProof? {
        guard let ref = try streamRef(range.stream, create: false),
            let certificate = try certificate(of: range.stream, ref: ref, atOrAfter: range.through)
        else { return nil }
        let carriedSequences = Set(carried.map(\.sequence))
        var known = try keptDigests(ref: ref, after: range.after, through: certificate.through)
        // Past the range's end, the log holds what was not sent in this batch.
        var after = range.through
        while after < certificate.through {
            let changes = try changes(in: range.stream, after: after, limit: Int(min(certificate.through - after, 512)))
            for change in changes where change.sequence <= certificate.through {
                known[change.sequence] = change.digest
            }
            guard let last = changes.last, last.sequence < certificate.through, changes.count == 512 else { break }
            after = last.sequence
        }
        var digests: [SequenceDigest] = []
        var sequence = range.after
        while sequence < certificate.through {
            sequence += 1
            if carriedSequences.contains(sequence) { continue }
            guard let digest = known[sequence] else { return nil }
            digests.append(SequenceDigest(sequence: sequence, digest: digest))
        }
        return StreamProof(certificate: certificate, digests: digests)
    }

    /// Signs this replica's own streams up to what it holds of each: one certificate per
    /// stream written since its last one.
    ///
    /// - Returns: the certificates made.
    func certifyOwnStreams(with key: OriginSigningKey) throws -> [StreamCertificate] {
        let rows = try Row.fetchAll(
            db, sql: "SELECT id FROM fb_streams WHERE origin = ? AND held > 0", arguments: [try replicaRef(local)])
        return try rows.compactMap { row in
            let ref: Int64 = row["id"]
            return try certify(try stream(ref: ref), ref: ref, through: try heldSequence(ref: ref), with: key)
        }
    }

    /// Signs one of this replica's own streams up to `sequence` (at most what it holds),
    /// extending the chain from its last certificate at or before it: a push frame gets a
    /// certificate that ends exactly where its range does, so its proof needs no digests.
    ///
    /// - Returns: the certificate made; `nil` when one ending there exists already, or
    ///   `sequence` is not above the chain's base.
    /// - Parameter carried: changes of the stream the caller holds already (a push
    ///   frame's), folded instead of read from the log again where they cover what the
    ///   chain needs.
    @discardableResult
    func certify(
        _ stream: StreamID, ref: Int64, through sequence: UInt64, with key: OriginSigningKey,
        carried: [Change] = []
    ) throws -> StreamCertificate? {
        let base = UInt64(
            try Int64.fetchOne(db, sql: "SELECT chain_base FROM fb_streams WHERE id = ?", arguments: [ref]) ?? 0)
        let target = min(sequence, try heldSequence(ref: ref))
        let last = try Row.fetchOne(
            db,
            sql: """
                SELECT through, head FROM fb_certificates WHERE stream = ? AND base = ? AND through <= ?
                ORDER BY through DESC LIMIT 1
                """,
            arguments: [ref, Int64(base), Int64(target)])
        var through = last.map { UInt64($0["through"] as Int64) } ?? base
        var head =
            last.flatMap { Hash256(bytes: [UInt8]($0["head"] as Data)) } ?? StreamChain.genesis(of: stream, base: base)
        guard target > through else { return nil }
        // A push frame carries exactly the changes after the previous frame's certificate.
        if let first = carried.first, first.sequence == through + 1, carried.last?.sequence == target,
            carried.count == Int(target - through)
        {
            for change in carried { head = StreamChain.link(head, change.digest) }
            through = target
        }
        let compacted = try keptDigests(ref: ref, after: through, through: target)
        while through < target {
            let changes = try changes(in: stream, after: through, limit: 512)
            var bySequence: [UInt64: Change] = [:]
            for change in changes { bySequence[change.sequence] = change }
            // Up to the last change read, or to the end once the log has no more: the
            // sequences in between were compacted.
            let end = changes.count == 512 ? min(target, changes[511].sequence) : target
            while through < end {
                through += 1
                guard let digest = bySequence[through]?.digest ?? compacted[through] else {
                    throw FieldbookError(
                        .corrupt,
                        "replica file is damaged: its own change #\(through) in \(stream.partition) is neither in the log nor among the kept digests"
                    )
                }
                head = StreamChain.link(head, digest)
            }
        }
        let certificate = StreamCertificate(stream: stream, base: base, through: target, head: head, signedWith: key)
        try keep(certificate, ref: ref)
        return certificate
    }

    /// Keeps the digests and stamps of superseded changes about to be compacted away: the
    /// digests so the streams they belong to stay provable when this replica relays them,
    /// the stamps so a re-stamp of a later own write still sorts after them
    /// (`ReplicaStore.restamp`).
    func keepDigestsOfHistory(supersededBefore cutoff: UInt64) throws {
        let ids = try Int64.fetchAll(
            db, sql: "SELECT id FROM fb_history WHERE superseded < ? ORDER BY id", arguments: [Int64(clamping: cutoff)])
        for id in ids {
            let stream = try stream(ref: LogID.stream(id))
            let sequence = LogID.sequence(id)
            guard let change = try changes(in: stream, after: sequence - 1, limit: 1).first, change.sequence == sequence
            else { continue }
            try db.execute(
                sql: "INSERT OR REPLACE INTO fb_digests (stream, sequence, digest, hlc) VALUES (?, ?, ?, ?)",
                arguments: [
                    LogID.stream(id), Int64(sequence), Data(change.digest.bytes), change.stamp.time.databaseInteger,
                ])
        }
    }
}
