import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import FieldbookServer
import Foundation
import Hummingbird
import Logging

/// `fieldbook-server`: the sync server and the office's admin commands.
@main
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fieldbook-server",
        abstract: "The Fieldbook sync server, and the office's commands on its data.",
        discussion: """
            The server's replica is a SQLite file: --db PATH, else $FIELDBOOK_SERVER_DB, else
            ./fieldbook-server.sqlite. Exit codes follow sysexits like the fieldbook CLI.
            """,
        version: "0.1.0",
        subcommands: [
            ServeCommand.self, TokenCommand.self, ServerExportCommand.self, ServerConflictsCommand.self,
            QuarantineCommand.self, ServerStatusCommand.self,
        ]
    )

    static func main() async {
        await ServerCLI.main(Self.self)
    }
}

/// Where the server's data lives.
struct ServerStoreOptions: ParsableArguments {
    @Option(help: "The server's SQLite file (default: $FIELDBOOK_SERVER_DB, else ./fieldbook-server.sqlite).")
    var db: String?

    var path: String {
        db ?? ProcessInfo.processInfo.environment["FIELDBOOK_SERVER_DB"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "fieldbook-server.sqlite"
    }

    func openStore() throws -> SQLiteSyncStore {
        try SQLiteSyncStore(path: path)
    }

    /// The server replica through the NPQ facade, for the office's read commands.
    func openFieldbook() throws -> Fieldbook {
        guard FileManager.default.fileExists(atPath: path) else {
            throw FieldbookError(
                .notFound, "no server data at \(path); start `fieldbook-server serve --db \(path)` first")
        }
        return Fieldbook(store: try openStore().store)
    }
}

/// The server tool's terminal: one-line errors and sysexits codes, as in the client.
let ServerCLI = Terminal(tool: "fieldbook-server")

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the sync server (embedded SQLite store, created on first start).")

    @OptionGroup var storeOptions: ServerStoreOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port).") var port = 8080
    @Option(help: "Largest request body accepted, bytes.") var maxRequestBytes = 8 << 20
    @Option(help: "Default response batch size, bytes.") var batchBytes = 256 << 10
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "info"

    func run() async throws {
        try await ServerCLI.run {
            var configured = Logger(label: "fieldbook.server")
            configured.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            let logger = configured
            let path = storeOptions.path
            let store = try storeOptions.openStore()
            let service = SyncService(
                store: store,
                limits: .init(maxRequestBytes: maxRequestBytes, defaultResponseBytes: batchBytes), logger: logger)
            let app = buildApplication(service: service, host: host, port: port, logger: logger) { port in
                logger.notice(
                    "fieldbook-server listening", metadata: ["host": "\(host)", "port": "\(port)", "db": "\(path)"])
            }
            // SIGTERM / SIGINT stop accepting connections and let the round in flight finish.
            try await app.runService()
        }
    }
}
