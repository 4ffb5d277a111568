import Fieldbook
import FieldbookCore
import FieldbookStore
import FieldbookSync
import Foundation

/// Makes client replicas (SQLite files) in one temporary folder.
struct Replicas: Sendable {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory("fieldbook-replicas")
    }

    /// A new replica named `name`; `seed` makes its row IDs reproducible.
    func make(_ name: String, wallClock: any WallClock = SystemWallClock(), seed: UInt64? = nil) throws -> Fieldbook {
        let created = try Fieldbook.create(at: path(name), name: name, options: options(wallClock))
        return seed.map { Fieldbook(store: created.store, seed: $0) } ?? created
    }

    /// The replica `name` opened again, e.g. after its laptop's clock was fixed.
    func reopen(_ name: String, wallClock: any WallClock = SystemWallClock()) throws -> Fieldbook {
        try Fieldbook.open(at: path(name), options: options(wallClock))
    }

    func path(_ name: String) -> String {
        directory.file(name.filter { $0.isLetter || $0.isNumber } + ".sqlite")
    }

    private func options(_ wallClock: any WallClock) -> ReplicaStore.Options {
        ReplicaStore.Options(wallClock: wallClock, logger: ServerBackend.quietLogger)
    }
}

extension SyncClient.Options {
    /// Retries without waiting, so tests of failures run in milliseconds; no watchdog.
    ///
    /// - Parameters:
    ///   - frameBytes, roundBytes: fixed sizes, so every frame's size is known to the test;
    ///     `nil`: the sizes adapt as they do in the field.
    static func testing(frameBytes: Int? = nil, roundBytes: Int? = nil, maxAttempts: Int = 4) -> SyncClient.Options {
        var sizes: LinkSizes?
        if frameBytes != nil || roundBytes != nil {
            sizes = LinkSizes(
                frameBytes: frameBytes ?? LinkSizes.standard.frameBytes,
                roundBytes: roundBytes ?? LinkSizes.standard.roundBytes)
        }
        return SyncClient.Options(
            sizes: sizes, retry: RetryPolicy(maxAttempts: maxAttempts, initialDelay: .zero, maximumDelay: .zero),
            idleTimeout: nil, frameTimeout: nil, seed: 1)
    }
}

/// Syncs `fieldbook` over `transport` until both sides are drained; retries never sleep.
@discardableResult
func sync(
    _ fieldbook: Fieldbook, over transport: any SyncTransport, token: String,
    options: SyncClient.Options = .testing(), wallClock: any WallClock = SystemWallClock()
) async throws -> SyncClient.Progress {
    try await SyncClient(
        store: fieldbook.store, transport: transport, token: token, options: options, wallClock: wallClock,
        sleep: { _ in }
    ).run()
}

/// A replica and the token it syncs with.
struct Device: Sendable {
    var name: String
    var fieldbook: Fieldbook
    var token: String
    /// The cohorts its token opens; `nil` for the office.
    var cohorts: Set<PartitionID>?

    func canRead(_ partition: PartitionID) -> Bool {
        partition.isShared || (cohorts?.contains(partition) ?? true)
    }
}
