import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import FieldbookSync
import Foundation
import Synchronization

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Sync with the server: push local changes, pull everyone else's.",
        discussion: """
            Examples:
              fieldbook sync
              fieldbook sync --server https://sync.example.cn --token fbk_…
            """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "Server URL (default: the one set with `remote set`).") var server: String?
    @Option(help: "Device token (default: the one set with `remote set`).") var token: String?
    @Option(
        help: ArgumentHelp(
            "Approximate bytes of changes per frame, the most a dropped connection can cost (default: adapts to the link, remembered).",
            valueName: "bytes"))
    var frameBytes: Int?
    @Option(
        help: ArgumentHelp(
            "Approximate bytes of changes per round, each way (default: adapts to the link, remembered).",
            valueName: "bytes"))
    var roundBytes: Int?
    @Option(help: "Attempts in a row that deliver nothing before giving up.") var attempts = 6
    @Option(help: ArgumentHelp("End a connection on which no byte arrives for this long.", valueName: "seconds"))
    var idleTimeout = 30
    @Option(
        help: ArgumentHelp(
            "End a connection that delivers no whole frame for this long (a link trickling a byte at a time).",
            valueName: "seconds"))
    var frameTimeout = 120
    @Option(help: ArgumentHelp("Stop the whole sync after this long, keeping what it merged.", valueName: "seconds"))
    var timeout: Int?

    func validate() throws {
        for (name, value) in [("--frame-bytes", frameBytes), ("--round-bytes", roundBytes)] {
            if let value, value < 256 {
                throw ValidationError("\(name) must be at least 256 bytes")
            }
        }
        if let timeout, timeout < 1 { throw ValidationError("--timeout must be at least 1 second") }
        if idleTimeout < 1 { throw ValidationError("--idle-timeout must be at least 1 second") }
        if frameTimeout < 1 { throw ValidationError("--frame-timeout must be at least 1 second") }
    }

    func run() async throws {
        try await CLI.run {
            let fieldbook = try global.open()
            guard let url = try server ?? fieldbook.store.setting("server.url") else {
                throw FieldbookError(
                    .usage, "no server set; run `fieldbook remote set URL --token TOKEN` or pass --server")
            }
            guard let token = try token ?? fieldbook.store.setting("server.token") else {
                throw FieldbookError(
                    .usage, "no device token set; run `fieldbook remote set URL --token TOKEN` or pass --token")
            }
            let trust = try ServerTrust(stored: fieldbook.store.setting(ServerTrust.settingKey))
            let transport = try HTTPSyncTransport(
                baseURL: url, trust: trust, readTimeout: .seconds(Int64(idleTimeout) + 5))
            RemoteCommand.warnIfTokenGoesInClear(to: url)
            let json = global.json
            var sizes: LinkSizes?
            if frameBytes != nil || roundBytes != nil {
                let frame = frameBytes ?? LinkSizes.standard.frameBytes
                sizes = LinkSizes(
                    frameBytes: frame, roundBytes: max(frame, roundBytes ?? LinkSizes.standard.roundBytes))
            }
            let client = SyncClient(
                store: fieldbook.store, transport: transport, token: token,
                options: .init(
                    sizes: sizes, retry: RetryPolicy(maxAttempts: max(1, attempts)),
                    idleTimeout: .seconds(idleTimeout), frameTimeout: .seconds(frameTimeout),
                    timeout: timeout.map { .seconds($0) }))
            let progress: SyncClient.Progress
            // Whether a progress line is on the terminal: an error then starts on a new line.
            let showsProgress = Mutex(false)
            do {
                progress = try await client.run { progress in
                    guard !json else { return }
                    showsProgress.withLock { $0 = true }
                    FileHandle.standardError.write(Data(SyncProgressLine(progress).text.utf8))
                }
                try await transport.shutdown()
            } catch {
                try? await transport.shutdown()
                if showsProgress.withLock({ $0 }) { FileHandle.standardError.write(Data("\n".utf8)) }
                throw error
            }
            try CLI.output(progress, json: json) {
                var lines = [
                    "\nSynced with \(url) in \(String(format: "%.1f", progress.seconds)) s: sent \(progress.sent), received \(progress.received), \(progress.conflicts) conflicts, \(progress.quarantined) quarantined"
                ]
                if abs(progress.clockOffset) > 60_000 {
                    let minutes = abs(progress.clockOffset) / 60_000
                    lines.append(
                        "warning: this laptop's clock is \(minutes) min \(progress.clockOffset < 0 ? "ahead of" : "behind") the server's; fix the system clock"
                    )
                }
                if progress.quarantined > 0 {
                    lines.append(
                        "warning: the server quarantined \(progress.quarantined) of your changes because this laptop's clock was ahead; fix the clock and sync again"
                    )
                }
                if progress.unsendable > 0 {
                    lines.append(
                        "note: \(progress.unsendable) changes are in cohorts this token cannot write; they stay local")
                }
                return lines.joined(separator: "\n")
            }
        }
    }
}
