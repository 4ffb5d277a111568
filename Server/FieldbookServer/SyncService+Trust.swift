import FieldbookCore
import FieldbookProtocol
import Logging

/// What a round may do under its token: the token's replica binding, the row-level
/// checks of a push, and what the answers may reveal. Kept apart from the round itself
/// (``SyncRound``), which only calls these.
extension SyncService {
    /// Binds the token to the request's replica at its first sync and refuses it from any
    /// other replica afterwards.
    ///
    /// A token is a bearer secret: bound to one replica, a copied token cannot sync as a
    /// second laptop, and the streams a facilitator's token may push (its replica's own)
    /// are fixed.
    ///
    /// - Throws: `.badToken` when the token is bound to another replica, or the request
    ///   claims the server's own replica ID.
    public func bind(_ token: StoredToken, to replica: ReplicaID) async throws -> ReplicaID {
        guard replica != store.replicaID else {
            throw refused(token, FieldbookError(.badToken, "a client cannot sync under the server's own replica ID"))
        }
        let bound: ReplicaID
        if let replica = token.replica {
            bound = replica
        } else {
            bound = try await store.bindToken(id: token.id, to: replica)
        }
        guard bound == replica else {
            throw refused(
                token,
                FieldbookError(
                    .badToken,
                    "the device token '\(token.name)' belongs to another replica; ask the office to re-bind it (fieldbook-server token rebind \(token.name)) or issue a new one"
                ))
        }
        return bound
    }

    /// Merges one pushed frame under its token's rights, all or nothing.
    ///
    /// - Parameters:
    ///   - replica: the sender, bound to the token by ``bind(_:to:)``.
    /// - Throws: `.scopeDenied` naming the table, row or stream refused (nothing of the
    ///   frame merged, counted, and logged with the token's name).
    func merge(frame batch: ChangeBatch, from replica: ReplicaID, token: StoredToken) async throws
        -> BatchMerger.Report
    {
        do {
            return try await store.merge(batch, from: replica, rights: token.rights(boundTo: replica))
        } catch let error as FieldbookError where error.code == .scopeDenied {
            throw refused(token, error)
        }
    }

    /// The first quarantined sequence of the replica's streams the token may read.
    ///
    /// The replica is the token's bound replica (``bind(_:to:)`` ran first), so a token
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
