import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import Foundation

/// `fieldbook demo`: the whole story on one machine, with a real server over loopback HTTP.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a sync server and four replicas in a temporary folder, and show the merged register.",
        discussion: """
            Starts fieldbook-server (found next to fieldbook, else on PATH) on a free loopback port
            with an embedded SQLite store, sets up an NPQH and an NPQLT cohort from an office
            replica, lets three facilitators record attendance and notes offline (two of them mark
            the same participant differently), syncs everyone, and prints the merged register and
            the conflict ledger.
            Example: fieldbook demo --directory /tmp/fieldbook-demo
            """)

    @Option(help: "Keep the replicas in this folder instead of a temporary one.") var directory: String?

    func run() async throws {
        try await CLI.run {
            let folder = directory ?? NSTemporaryDirectory() + "fieldbook-demo-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let server = try DemoServer(folder: folder)
            try await server.start()
            defer { server.stop() }
            try await DemoScript(folder: folder, server: server).run()
        }
    }
}
