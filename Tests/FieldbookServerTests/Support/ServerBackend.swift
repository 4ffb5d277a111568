import Fieldbook
import FieldbookCore
import FieldbookServer
import Foundation
import Logging

/// A sync server's state without any network: its SQLite store in a temporary folder,
/// the round logic over it, and helpers to issue tokens and read what it merged.
final class ServerBackend: Sendable {
    let directory: TemporaryDirectory
    let store: SQLiteSyncStore
    let service: SyncService

    /// A logger that keeps test output readable: the server logs every round at info.
    static let quietLogger: Logger = {
        var logger = Logger(label: "fieldbook.test.server")
        logger.logLevel = .critical
        return logger
    }()

    init(limits: SyncService.Limits = .init(), wallClock: any WallClock = SystemWallClock()) throws {
        directory = try TemporaryDirectory("fieldbook-server")
        store = try SQLiteSyncStore(
            path: directory.file("server.sqlite"),
            options: .init(wallClock: wallClock, pooled: true, logger: Self.quietLogger))
        service = SyncService(store: store, limits: limits, wallClock: wallClock, logger: Self.quietLogger)
    }

    /// Issues a live token and returns its text (`fbk_…`).
    func issueToken(_ name: String, scope: TokenScope) async throws -> String {
        let token = DeviceToken.generate()
        try await store.insertToken(
            StoredToken(
                id: token.id, name: name, secretHash: token.secretHash, scope: scope,
                issuedAt: SystemWallClock().milliseconds()))
        return token.text
    }

    /// Revokes the live token with this name.
    func revoke(_ name: String) async throws {
        let revoked = try await store.revokeToken(name: name, at: SystemWallClock().milliseconds())
        precondition(revoked, "no live token named \(name)")
    }

    /// The merged data through the NPQ facade (exports, conflicts).
    var fieldbook: Fieldbook { Fieldbook(store: store.store) }

    /// What the server holds.
    func knowledge() async throws -> Knowledge { try await store.knowledge() }
}
