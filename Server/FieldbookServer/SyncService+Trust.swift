import FieldbookCore
import FieldbookProtocol
import Logging

/// What a round may do under its token: the token's replica binding, the row-level
/// checks of a push, and what the answers may reveal. Kept apart from the round itself
/// (``SyncRound``), which only calls these.
extension SyncService {
    /// Binds the token to the request's replica and its public key at its first sync and
    /// refuses it from any other replica or key afterwards.
    ///
    /// A token is a bearer secret: bound to one replica, a copied token cannot sync as a
    /// second laptop, and the streams a facilitator's token may push (its replica's own)
    /// are fixed. Bound to a key as well, a copied token is useless without the replica
    /// file's private key: every push must be signed with it (``checkSignatures(of:from:binding:token:)``).
    /// A token bound before its replica signed takes the key of its next signed round.
    ///
    /// - Throws: `.badToken` when the token is bound to another replica or another key,
    ///   or the request claims the server's own replica ID.
    public func bind(_ token: StoredToken, to replica: ReplicaID, key: OriginPublicKey?) async throws
        -> TokenBinding
    {
        guard replica != store.replicaID else {
            throw refused(token, FieldbookError(.badToken, "a client cannot sync under the server's own replica ID"))
        }
        let binding: TokenBinding
        if let bound = token.replica, token.publicKey != nil || key == nil || bound != replica {
            binding = TokenBinding(replica: bound, key: token.publicKey)
        } else {
            binding = try await store.bindToken(id: token.id, to: replica, key: key)
        }
        guard binding.replica == replica else {
            throw refused(
                token,
                FieldbookError(
                    .badToken,
                    "the device token '\(token.name)' belongs to another replica; ask the office to re-bind it (fieldbook-server token rebind \(token.name)) or issue a new one"
                ))
        }
        if let bound = binding.key, bound != key {
            throw refused(
                token,
                FieldbookError(
                    .badToken,
                    key == nil
                        ? "the device token '\(token.name)' is bound to a replica that signs its changes, and this request is not signed; upgrade fieldbook, or ask the office to re-bind the token"
                        : "the device token '\(token.name)' is bound to another signing key \(bound), not \(key!): this is not the replica file it was bound to; ask the office to re-bind it (fieldbook-server token rebind \(token.name))"
                ))
        }
        return binding
    }

    /// Refuses a pushed frame whose sender signs but leaves a range of its own streams
    /// unproven, or proves one with a certificate its bound key did not sign.
    ///
    /// Whether the changes are what the certificate signed is checked by the merge, on a
    /// store that keeps chains (SQLite); here only what needs no stored state: with a
    /// copied token but not the replica's private key, nothing can be pushed.
    func checkSignatures(of batch: ChangeBatch, from replica: ReplicaID, binding: TokenBinding, token: StoredToken)
        throws
    {
        guard let key = binding.key else { return }
        var proofs: [StreamID: StreamProof] = [:]
        for proof in batch.proofs { proofs[proof.certificate.stream] = proof }
        for range in batch.ranges where range.stream.origin == replica {
            guard let proof = proofs[range.stream] else {
                throw refused(
                    token,
                    FieldbookError(
                        .forged,
                        "the pushed changes of this replica in \(range.stream.partition) come without its signature; they were refused, nothing of them merged; upgrade fieldbook, or tell the office if this replica file was copied"
                    ))
            }
            guard proof.certificate.through >= range.through, proof.certificate.isSigned(by: key) else {
                throw refused(
                    token,
                    FieldbookError(
                        .forged,
                        "the pushed changes of this replica in \(range.stream.partition) carry a certificate its bound key did not sign; they were refused, nothing of them merged; tell the office: the token may be in use on another machine"
                    ))
            }
        }
    }

    /// Merges one pushed frame under its token's rights, all or nothing.
    ///
    /// - Parameters:
    ///   - replica: the sender, bound to the token by ``bind(_:to:key:)``.
    /// - Throws: `.scopeDenied` naming the table, row or stream refused (nothing of the
    ///   frame merged, counted, and logged with the token's name).
    func merge(frame batch: ChangeBatch, from replica: ReplicaID, token: StoredToken) async throws
        -> BatchMerger.Report
    {
        do {
            return try await store.merge(batch, from: replica, rights: token.rights(boundTo: replica))
        } catch let error as FieldbookError where error.code == .scopeDenied {
            throw refused(token, error)
        } catch var error as FieldbookError where error.code == .forged {
            error.message += "; if this laptop's replica file was copied or edited, tell the office"
            throw refused(token, error)
        }
    }

    /// The first quarantined sequence of the replica's streams the token may read.
    ///
    /// The replica is the token's bound replica (``bind(_:to:key:)`` ran first), so a token
    /// learns only about its own replica's held-back streams, never another's.
    public func quarantinedStarts(of replica: ReplicaID, token: StoredToken) async throws -> [StreamStart] {
        try await store.quarantinedStarts(origin: replica).filter { token.scope.canRead($0.stream.partition) }
    }

    /// Counts and logs a refused round, naming the token; returns the error to throw.
    func refused(_ token: StoredToken, _ error: FieldbookError) -> FieldbookError {
        metrics.refusedPushes.increment()
        logger.warning(
            "sync refused",
            metadata: ["device": "\(token.name)", "code": "\(error.code)", "reason": "\(error.message)"])
        return error
    }
}
