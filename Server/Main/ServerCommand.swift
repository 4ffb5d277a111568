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
            ./fieldbook-server.sqlite. Or a PostgreSQL database that several servers share:
            --postgres URL, else $FIELDBOOK_POSTGRES_URL. Exit codes follow sysexits like the
            fieldbook CLI.
            """,
        version: FieldbookVersion.current,
        subcommands: [
            ServeCommand.self, TokenCommand.self, ServerExportCommand.self, ServerConflictsCommand.self,
            QuarantineCommand.self, ServerCompactCommand.self, ServerStatusCommand.self, UserCommand.self,
        ]
    )

    static func main() async {
        await ServerCLI.main(Self.self)
    }
}

/// Where the server's data lives: a SQLite file, or a PostgreSQL database.
struct ServerStoreOptions: ParsableArguments {
    @Option(help: "The server's SQLite file (default: $FIELDBOOK_SERVER_DB, else ./fieldbook-server.sqlite).")
    var db: String?

    @Option(
        help: ArgumentHelp(
            "A PostgreSQL database several servers share, instead of the SQLite file (default: $FIELDBOOK_POSTGRES_URL).",
            valueName: "postgres://USER:PASSWORD@HOST:PORT/DATABASE"))
    var postgres: String?

    var path: String {
        db ?? ProcessInfo.processInfo.environment["FIELDBOOK_SERVER_DB"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "fieldbook-server.sqlite"
    }

    /// The PostgreSQL URL, if the store is PostgreSQL (an explicit --db wins over the environment).
    var postgresURL: String? {
        if let postgres { return postgres }
        guard db == nil else { return nil }
        return ProcessInfo.processInfo.environment["FIELDBOOK_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func openStore() throws -> SQLiteSyncStore {
        guard postgres == nil || db == nil else {
            throw FieldbookError(.usage, "give either --db (SQLite) or --postgres, not both")
        }
        return try SQLiteSyncStore(path: path)
    }

    /// Runs `body` with the store, SQLite or PostgreSQL, and closes it afterwards.
    ///
    /// - Parameter mustExist: refuse a SQLite file that does not exist yet instead of creating it.
    func withStore<T>(mustExist: Bool = false, _ body: (any SyncStore) async throws -> T) async throws -> T {
        guard postgres == nil || db == nil else {
            throw FieldbookError(.usage, "give either --db (SQLite) or --postgres, not both")
        }
        guard let url = postgresURL else {
            if mustExist && !FileManager.default.fileExists(atPath: path) {
                throw FieldbookError(
                    .notFound, "no server data at \(path); start `fieldbook-server serve --db \(path)` first")
            }
            return try await body(try openStore())
        }
        var logger = Logger(label: "fieldbook.store.postgres")
        logger.logLevel = .warning
        let store = try await PostgresSyncStore.connect(url: url, options: .init(logger: logger))
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }

    /// The server replica through the NPQ facade, for the office's read commands.
    func openFieldbook() throws -> Fieldbook {
        if postgresURL != nil {
            throw FieldbookError(
                .usage,
                "this command reads the SQLite store; with PostgreSQL, sync a `fieldbook` client with an --all token and run it there"
            )
        }
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
        commandName: "serve",
        abstract: "Run the sync server (embedded SQLite store created on first start, or --postgres URL).")

    @OptionGroup var storeOptions: ServerStoreOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port).") var port = 8080
    @Option(help: "Largest request body accepted, bytes.") var maxRequestBytes = 8 << 20
    @Option(help: "Approximate bytes of changes in an answer when the client asks for no size.")
    var roundBytes = 4 << 20
    @Option(help: "Approximate bytes of changes per answer frame when the client asks for no size.")
    var frameBytes = 32 << 10
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "info"
    @Flag(inversion: .prefixedNo, help: "Serve the office console at the root URL.") var console = true
    @Flag(
        help:
            "Mark the console's session cookie Secure, for a console reached over https through a proxy (automatic with --tls-cert)."
    )
    var secureCookies = false
    @Option(
        help: ArgumentHelp(
            "Serve HTTPS with this certificate (PEM, the server's certificate first, then any intermediates); needs --tls-key.",
            valueName: "file"))
    var tlsCert: String?
    @Option(help: ArgumentHelp("The private key of --tls-cert (PEM, unencrypted).", valueName: "file"))
    var tlsKey: String?

    func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError(
                "--tls-cert and --tls-key go together: give both (HTTPS) or neither (plain HTTP)")
        }
    }

    func run() async throws {
        try await ServerCLI.run {
            var configured = Logger(label: "fieldbook.server")
            configured.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            let logger = configured
            // Checked before the store opens and the port is bound: a bad file stops here.
            var tls: ServerTLS?
            if let tlsCert, let tlsKey {
                tls = try ServerTLS.load(certificatePath: tlsCert, keyPath: tlsKey)
                if let expires = tls?.expires, expires < Date() {
                    logger.warning(
                        "the TLS certificate has expired; clients will refuse it until it is renewed",
                        metadata: ["certificate": "\(tlsCert)", "expired": "\(expires)"])
                }
            }
            let (store, location): (any SyncStore, String)
            if let url = storeOptions.postgresURL {
                let postgres = try await PostgresSyncStore.connect(url: url, options: .init(logger: logger))
                (store, location) = (postgres, postgres.endpoint.description)
            } else {
                (store, location) = (try storeOptions.openStore(), storeOptions.path)
            }
            let service = SyncService(
                store: store,
                limits: .init(
                    maxRequestBytes: maxRequestBytes, defaultResponseBytes: roundBytes, defaultFrameBytes: frameBytes),
                logger: logger)
            var office: OfficeConsole?
            if console {
                office = OfficeConsole(
                    store: try await ConsoleStores.open(store),
                    // A console served over TLS is reached over https only: its cookie never goes in clear.
                    options: .init(secureCookies: secureCookies || tls != nil))
            }
            let scheme = tls == nil ? "http" : "https"
            let app = buildApplication(
                service: service, console: office, tls: tls, host: host, port: port, logger: logger
            ) { port in
                logger.notice(
                    "fieldbook-server listening",
                    metadata: [
                        "scheme": "\(scheme)", "host": "\(host)", "port": "\(port)", "db": "\(location)",
                    ])
            }
            // SIGTERM / SIGINT stop accepting connections and let the round in flight finish.
            do {
                try await app.runService()
            } catch {
                await (store as? PostgresSyncStore)?.close()
                throw error
            }
            await (store as? PostgresSyncStore)?.close()
        }
    }
}
