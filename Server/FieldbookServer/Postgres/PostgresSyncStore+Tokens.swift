import FieldbookCore
import PostgresNIO

extension PostgresSyncStore {
    public func token(id: String) async throws -> StoredToken? {
        try await withConnection { connection in
            try await self.tokens(
                on: connection,
                "SELECT id, name, secret_hash, scope, issued, revoked, replica FROM fb_tokens WHERE id = \(id)"
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
                "SELECT id, name, secret_hash, scope, issued, revoked, replica FROM fb_tokens ORDER BY name, issued")
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

    /// Binds in one statement, so two processes taking a token's first syncs at once
    /// agree on one replica.
    public func bindToken(id: String, to replica: ReplicaID) async throws -> ReplicaID {
        try await withConnection { connection in
            try await connection.query(
                "UPDATE fb_tokens SET replica = \(PostgresCoding.bytes(replica.rawValue)) WHERE id = \(id) AND replica IS NULL",
                logger: self.options.logger
            ).drain()
            guard
                let bound = try await connection.query(
                    "SELECT replica FROM fb_tokens WHERE id = \(id) AND replica IS NOT NULL",
                    logger: self.options.logger
                ).single(ByteBuffer.self)
            else {
                throw FieldbookError(.badToken, "the device token is not valid; ask the office for a new one")
            }
            return ReplicaID(try PostgresCoding.bytes16(bound))
        }
    }

    public func unbindToken(name: String) async throws -> Bool {
        try await withConnection { connection in
            let cleared = try await connection.query(
                """
                WITH cleared AS (
                    UPDATE fb_tokens SET replica = NULL WHERE name = \(name) AND revoked IS NULL RETURNING 1)
                SELECT count(*) FROM cleared
                """, logger: self.options.logger
            ).single(Int64.self)
            return (cleared ?? 0) > 0
        }
    }

    private func tokens(on connection: PostgresConnection, _ query: PostgresQuery) async throws -> [StoredToken] {
        var tokens: [StoredToken] = []
        for try await (id, name, hash, scope, issued, revoked, replica) in try await connection.query(
            query, logger: options.logger
        ).decode((String, String, ByteBuffer, String, Int64, Int64?, ByteBuffer?).self) {
            tokens.append(
                StoredToken(
                    id: id, name: name, secretHash: Array(hash.readableBytesView), scope: TokenScope(storedForm: scope),
                    issuedAt: UInt64(issued), revokedAt: revoked.map(UInt64.init),
                    replica: try replica.map { ReplicaID(try PostgresCoding.bytes16($0)) }))
        }
        return tokens
    }
}
