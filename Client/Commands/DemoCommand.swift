import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import FieldbookServer
import FieldbookSync
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// `fieldbook demo`: the whole story on one machine, with a real server over loopback HTTP.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a sync server and four replicas in a temporary folder, and show the merged register.",
        discussion: """
            Starts a server on a free loopback port with an embedded SQLite store, sets up an
            NPQH and an NPQLT cohort from an office replica, lets three facilitators record
            attendance and notes offline (two of them mark the same participant differently),
            syncs everyone, and prints the merged register and the conflict ledger.
            """)

    @Option(help: "Keep the replicas in this folder instead of a temporary one.") var directory: String?

    func run() async throws {
        try await CLI.run {
            let folder = directory ?? NSTemporaryDirectory() + "fieldbook-demo-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            var logger = Logger(label: "fieldbook.demo")
            logger.logLevel = .warning
            let serverStore = try SQLiteSyncStore(path: folder + "/server.sqlite")
            let service = SyncService(store: serverStore, logger: logger)
            let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
            let app = buildApplication(service: service, host: "127.0.0.1", port: 0, logger: logger) { port in
                portContinuation.yield(port)
            }
            let serviceGroup = ServiceGroup(
                configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await serviceGroup.run() }
                var iterator = ports.makeAsyncIterator()
                guard let port = await iterator.next() else {
                    throw FieldbookError(.internal, "the demo server did not start")
                }
                defer { Task { await serviceGroup.triggerGracefulShutdown() } }
                try await DemoScript(folder: folder, url: "http://127.0.0.1:\(port)", server: serverStore).run()
                await serviceGroup.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }
}
