import FieldbookCore
import PostgresNIO

extension PostgresSyncStore {
    public func token(id: String) async throws -> StoredToken? {
        try await withConnection { connection in
            try await self.tokens(
                on: connection,
                "SELECT id, name, secret_hash, scope, issued, revoked, replica, public_key FROM fb_tokens WHERE id = \(id)"
            ).first
        }
    }

    /// Stores a new token; the partial unique index on live names makes the check and
    /// the insert one atomic step, whichever server process runs it.
    public func insertToken(_ token: StoredToken) async throws {
        do {
            try await withConnection { connection in
                try await connection.query(
                    """
                    INSERT INTO fb_tokens (id, name, secret_hash, scope, issued)
                    VALUES (\(token.id), \(token.name), \(ByteBuffer(bytes: token.secretHash)), \(token.scope.storedForm),
                        \(Int64(token.issuedAt)))
                    """, logger: self.options.logger
                ).drain()
            }
        } catch let error as FieldbookError {
            if let underlying = error.underlying as? PSQLError, underlying.serverInfo?[.sqlState] == "23505" {
                throw FieldbookError(
                    .exists,
                    underlying.serverInfo?[.constraintName] == "fb_tokens_pkey"
                        ? "a token with ID \(token.id) exists; issue another"
                        : "a live token named '\(token.name)' exists; revoke it first or pick another name")
            }
            throw error
        }
    }

    public func tokens() async throws -> [StoredToken] {
        try await withConnection { connection in
            try await self.tokens(
                on: connection,
                "SELECT id, name, secret_hash, scope, issued, revoked, replica, public_key FROM fb_tokens ORDER BY name, issued"
            )
        }
    }

    public func revokeToken(name: String, at time: UInt64) async throws -> Bool {
        try await withConnection { connection in
            let revoked = try await connection.query(
                """
                WITH revoked AS (
                    UPDATE fb_tokens SET revoked = \(Int64(time)) WHERE name = \(name) AND revoked IS NULL RETURNING 1)
                SELECT count(*) FROM revoked
                """, logger: self.options.logger
            ).single(Int64.self)
            return (revoked ?? 0) > 0
        }
    }

    /// Binds in one statement each, so two processes taking a token's first syncs at once
    /// agree on one replica and one key.
    public func bindToken(id: String, to replica: ReplicaID, key: OriginPublicKey?) async throws -> TokenBinding {
        try await withConnection { connection in
            let replicaBytes = PostgresCoding.bytes(replica.rawValue)
            try await connection.query(
                "UPDATE fb_tokens SET replica = \(replicaBytes) WHERE id = \(id) AND replica IS NULL",
                logger: self.options.logger
            ).drain()
            if let key {
                try await connection.query(
                    """
                    UPDATE fb_tokens SET public_key = \(ByteBuffer(bytes: key.rawRepresentation))
                    WHERE id = \(id) AND replica = \(replicaBytes) AND public_key IS NULL
                    """,
                    logger: self.options.logger
                ).drain()
            }
            for try await (bound, boundKey) in try await connection.query(
                "SELECT replica, public_key FROM fb_tokens WHERE id = \(id) AND replica IS NOT NULL",
                logger: self.options.logger
            ).decode((ByteBuffer, ByteBuffer?).self) {
                return TokenBinding(
                    replica: ReplicaID(try PostgresCoding.bytes16(bound)),
                    key: try boundKey.map { try OriginPublicKey(rawRepresentation: Array($0.readableBytesView)) })
            }
            throw FieldbookError(.badToken, "the device token is not valid; ask the office for a new one")
        }
    }

    /// The keys bound through tokens, revoked ones included: a key still proves the changes
    /// its replica wrote before its token was revoked.
    public func originKeys(of origins: Set<ReplicaID>) async throws -> [ReplicaID: OriginPublicKey] {
        guard !origins.isEmpty else { return [:] }
        return try await withConnection { connection in
            var keys: [ReplicaID: OriginPublicKey] = [:]
            let wanted = origins.map { PostgresCoding.bytes($0.rawValue) }
            for try await (replica, key) in try await connection.query(
                "SELECT replica, public_key FROM fb_tokens WHERE replica = ANY(\(wanted)) AND public_key IS NOT NULL",
                logger: self.options.logger
            ).decode((ByteBuffer, ByteBuffer).self) {
                keys[ReplicaID(try PostgresCoding.bytes16(replica))] = try OriginPublicKey(
                    rawRepresentation: Array(key.readableBytesView))
            }
            return keys
        }
    }

    public func unbindToken(name: String) async throws -> Bool {
        try await withConnection { connection in
            let cleared = try await connection.query(
                """
                WITH cleared AS (
                    UPDATE fb_tokens SET replica = NULL, public_key = NULL WHERE name = \(name) AND revoked IS NULL RETURNING 1)
                SELECT count(*) FROM cleared
                """, logger: self.options.logger
            ).single(Int64.self)
            return (cleared ?? 0) > 0
        }
    }

    private func tokens(on connection: PostgresConnection, _ query: PostgresQuery) async throws -> [StoredToken] {
        var tokens: [StoredToken] = []
        for try await (id, name, hash, scope, issued, revoked, replica, key) in try await connection.query(
            query, logger: options.logger
        ).decode((String, String, ByteBuffer, String, Int64, Int64?, ByteBuffer?, ByteBuffer?).self) {
            tokens.append(
                StoredToken(
                    id: id, name: name, secretHash: Array(hash.readableBytesView), scope: TokenScope(storedForm: scope),
                    issuedAt: UInt64(issued), revokedAt: revoked.map(UInt64.init),
                    replica: try replica.map { ReplicaID(try PostgresCoding.bytes16($0)) },
                    publicKey: try key.map { try OriginPublicKey(rawRepresentation: Array($0.readableBytesView)) }))
        }
        return tokens
    }
}
