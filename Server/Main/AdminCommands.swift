import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import FieldbookServer
import Foundation

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Issue, list, revoke and re-bind device tokens.",
        subcommands: [Issue.self, List.self, Revoke.self, Rebind.self])

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a device token (printed once; only its hash is stored).")
        @OptionGroup var storeOptions: ServerStoreOptions
        @Option(help: "A unique name for the device, e.g. wang-shanghai.") var name: String
        @Option(help: "A cohort the device may read and write (ID or name); repeat for several.")
        var cohort: [String] = []
        @Flag(help: "An office token: reads and writes every cohort and the shared data.") var all = false

        func run() async throws {
            try await ServerCLI.run {
                guard all != !cohort.isEmpty else {
                    throw FieldbookError(.usage, "give either --all or at least one --cohort")
                }
                let name = try Validate.text(name, field: "token name", limit: 100)
                let token = DeviceToken.generate()
                try await storeOptions.withStore { store in
                    let scope: TokenScope
                    if all {
                        scope = .all
                    } else {
                        scope = .cohorts(
                            Set(
                                try cohort.map { reference in
                                    if let id = RowID(reference) { return PartitionID(cohort: id) }
                                    guard let store = store as? SQLiteSyncStore else {
                                        throw FieldbookError(
                                            .usage,
                                            "with PostgreSQL, name cohorts by their full ID (`fieldbook cohort list --json`), not '\(reference)'"
                                        )
                                    }
                                    return try Fieldbook(store: store.store).cohort(reference).partition
                                }))
                    }
                    try await store.insertToken(
                        StoredToken(
                            id: token.id, name: name, secretHash: token.secretHash, scope: scope,
                            issuedAt: SystemWallClock().milliseconds()))
                }
                print(token.text)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")
        @OptionGroup var storeOptions: ServerStoreOptions

        func run() async throws {
            try await ServerCLI.run {
                for token in try await storeOptions.withStore({ try await $0.tokens() }) {
                    let state = token.revokedAt.map { "revoked \(Fieldbook.isoTime($0))" } ?? "live"
                    let binding = token.replica.map { "replica \($0.rawValue.hex)" } ?? "unbound"
                    print("\(token.name)\t\(token.id)\t\(token.scope.storedForm)\t\(state)\t\(binding)")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a device's token by name.")
        @OptionGroup var storeOptions: ServerStoreOptions
        @Argument(help: "The token's name.") var name: String

        func run() async throws {
            try await ServerCLI.run {
                guard
                    try await storeOptions.withStore({
                        try await $0.revokeToken(name: name, at: SystemWallClock().milliseconds())
                    })
                else {
                    throw FieldbookError(.notFound, "no live token named '\(name)'; see `fieldbook-server token list`")
                }
                print("Revoked \(name)")
            }
        }
    }
}

struct ServerExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export the merged register (attendance or notes) as CSV or JSON.")
    @OptionGroup var storeOptions: ServerStoreOptions
    @Argument(help: "attendance or notes.") var what: String
    @Option(help: "Only this cohort (ID prefix or name).") var cohort: String?
    @Option(help: "csv or json.") var format = "csv"

    func run() async throws {
        try await ServerCLI.run {
            guard let format = ExportFormat(rawValue: format.lowercased()) else {
                throw FieldbookError(.usage, "--format '\(format)' is not csv or json")
            }
            let fieldbook = try storeOptions.openFieldbook()
            switch what {
            case "attendance": print(try fieldbook.exportAttendance(cohort: cohort, format: format), terminator: "")
            case "notes": print(try fieldbook.exportNotes(cohort: cohort, format: format), terminator: "")
            default: throw FieldbookError(.usage, "export what? 'attendance' or 'notes', not '\(what)'")
            }
        }
    }
}

struct ServerConflictsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conflicts", abstract: "Print the merged conflict ledger (JSON).")
    @OptionGroup var storeOptions: ServerStoreOptions
    @Flag(help: "Include resolved entries.") var all = false

    func run() async throws {
        try await ServerCLI.run {
            print(try Fieldbook.json(try storeOptions.openFieldbook().conflicts(includeResolved: all)), terminator: "")
        }
    }
}

struct QuarantineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine", abstract: "List or release changes held back for clock skew.",
        subcommands: [List.self, Release.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List quarantined changes.")
        @OptionGroup var storeOptions: ServerStoreOptions

        func run() async throws {
            try await ServerCLI.run {
                let entries = try await storeOptions.withStore(mustExist: true) { try await $0.quarantined() }
                if entries.isEmpty { print("No quarantined changes.") }
                for entry in entries {
                    let change = entry.change
                    print(
                        "\(change.origin.short) #\(change.sequence)\t\(change.table).\(change.column)\tstamped \(Fieldbook.isoTime(change.stamp.time.milliseconds))\t\(entry.reason)"
                    )
                }
            }
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge quarantined changes as they are (of one replica, or all).")
        @OptionGroup var storeOptions: ServerStoreOptions
        @Option(help: "Only this replica's changes (full replica ID).") var replica: String?

        func run() async throws {
            try await ServerCLI.run {
                let origin = try replica.map { text -> ReplicaID in
                    guard let raw = Bytes16(hex: text) else {
                        throw FieldbookError(.invalidInput, "replica '\(text)' is not a 32-digit replica ID")
                    }
                    return ReplicaID(raw)
                }
                let report = try await storeOptions.withStore(mustExist: true) {
                    try await $0.releaseQuarantine(origin: origin)
                }
                print("Released \(report.received) changes (\(report.conflicts) conflicts)")
            }
        }
    }
}

struct ServerCompactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Drop superseded changes from the server's log (vectors still count them, so sync stays exact).",
        discussion: """
            A superseded change is kept so that laptops receive whole histories (an overwrite
            reaching a laptop before the value it overwrote would look like a conflict). Once
            every laptop has synced past it, it only takes space; --older-than says how long
            to keep it. Winners, conflicts and the quarantine are never removed, and syncs keep
            running while it works (on PostgreSQL in short statements of 10,000 rows).
            Example: fieldbook-server compact --older-than 90 --postgres postgres://fieldbook@db/fieldbook
            """)

    @OptionGroup var storeOptions: ServerStoreOptions
    @Option(help: "Keep changes superseded within this many days.") var olderThan = 30

    func run() async throws {
        try await ServerCLI.run {
            let cutoff = try CompactionCutoff.days(olderThan, before: SystemWallClock().milliseconds())
            let removed = try await storeOptions.withStore(mustExist: true) {
                try await $0.compact(supersededBefore: cutoff)
            }
            print("Removed \(removed) superseded changes")
        }
    }
}

struct ServerStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Counts of the merged data.")
    @OptionGroup var storeOptions: ServerStoreOptions

    func run() async throws {
        try await ServerCLI.run {
            let status = try storeOptions.openFieldbook().status()
            print(try Fieldbook.json(status), terminator: "")
        }
    }
}
