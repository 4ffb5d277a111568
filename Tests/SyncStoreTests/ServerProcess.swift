import FieldbookTestSupport
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The built executables (`fieldbook-server`, `fieldbook`) run as a user would.
enum Executables {
    /// The folder of the built products: the test bundle sits beside the executables.
    static var folder: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    static func url(_ name: String) -> URL {
        let beside = folder.appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name)
    }

    /// Runs an executable to its end; returns its exit status, standard output and error.
    static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (
        status: Int32, output: String, error: String
    ) {
        let process = Process()
        process.executableURL = url(name)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}

/// A `fieldbook-server serve` process on a loopback port.
// @unchecked: `Process` is not Sendable; the process is only started in init and then
// terminated and waited for, which Foundation allows from any thread.
final class ServerProcess: @unchecked Sendable {
    let process: Process
    let port: Int
    let log: String

    var url: String { "http://127.0.0.1:\(port)" }

    /// Starts `fieldbook-server serve ARGUMENTS --port P` and waits until it answers health checks.
    init(_ arguments: [String], log: String, environment: [String: String] = [:]) async throws {
        port = try ThrowawayCluster.freePort()
        self.log = log
        FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = Executables.url("fieldbook-server")
        process.arguments = ["serve"] + arguments + ["--port", "\(port)", "--log-level", "notice"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process = process
        for _ in 0..<300 {
            if try await health() != nil { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.terminate()
        throw ThrowawayCluster.Failure(
            description: "fieldbook-server did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    /// The health answer (`{"status":"ok","replica":"…"}`), or nil while the server is not up.
    func health() async throws -> String? {
        guard let endpoint = URL(string: url + "/v1/health") else { return nil }
        do {
            let (data, response) = try await URLSession.shared.data(from: endpoint)
            guard (response as? HTTPURLResponse)?.statusCode == 200 else { return nil }
            return String(decoding: data, as: UTF8.self)
        } catch {
            return nil
        }
    }

    /// Stops the server (SIGTERM: graceful) and waits for it to exit; returns its status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
