import FieldbookCore
import FieldbookServer
import FieldbookStore
import FieldbookTestSupport
import Foundation
import Testing

/// The store implementations the shared suite runs against.
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// The backends this run can test: PostgreSQL only when a server is available or
    /// required (see ``TestPostgres``).
    static var available: [StoreBackend] { TestPostgres.enabled ? allCases : [.sqlite] }

    /// A fresh, empty store with its own database, reading time from `wallClock`.
    func makeStore(wallClock: any WallClock = SystemWallClock()) async throws -> TestStore {
        switch self {
        case .sqlite:
            let folder = NSTemporaryDirectory() + "fieldbook-syncstore-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let store = try SQLiteSyncStore(
                path: folder + "/server.sqlite", options: .init(wallClock: wallClock, pooled: true))
            return TestStore(store: store) { try? FileManager.default.removeItem(atPath: folder) }
        case .postgres:
            let url = try await TestPostgres.makeDatabase()
            let store = try await PostgresSyncStore.connect(
                url: url,
                options: .init(wallClock: wallClock, maximumConnections: 4, poolExecutor: OffPoolExecutor.postgres))
            return TestStore(store: store, url: url) { await store.close() }
        }
    }
}

/// A store under test and how to dispose of it.
struct TestStore: Sendable {
    let store: any SyncStore
    /// The database URL of a PostgreSQL store.
    var url: String?
    let dispose: @Sendable () async -> Void

    init(store: any SyncStore, url: String? = nil, dispose: @escaping @Sendable () async -> Void) {
        self.store = store
        self.url = url
        self.dispose = dispose
    }
}

/// Runs `body` with a fresh store of `backend`, disposing of it afterwards.
func withStore<T>(
    _ backend: StoreBackend, wallClock: any WallClock = SystemWallClock(), _ body: (any SyncStore) async throws -> T
) async throws -> T {
    let test = try await backend.makeStore(wallClock: wallClock)
    do {
        let result = try await body(test.store)
        await test.dispose()
        return result
    } catch {
        await test.dispose()
        throw error
    }
}
