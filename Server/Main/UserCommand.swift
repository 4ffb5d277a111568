import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import FieldbookServer
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension OfficeRole: ExpressibleByArgument {}

/// `fieldbook-server user`: office accounts of the web console.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Office accounts of the web console.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an office account (the password is prompted for, or read from standard input).",
            discussion: """
                On a terminal the password is asked twice, without echo. Otherwise the first line of
                standard input is the password: `printf '%s\\n' "$PW" | fieldbook-server user add li --role admin`.
                Only a bcrypt hash is stored.
                """)
        @OptionGroup var storeOptions: ServerStoreOptions
        @Argument(help: "The sign-in name, e.g. li.na.") var name: String
        @Option(help: "viewer reads; admin also resolves conflicts, issues and revokes tokens, releases quarantine.")
        var role: OfficeRole
        @Option(help: ArgumentHelp("bcrypt cost (work factor).", visibility: .hidden)) var cost: UInt8 = OfficePassword
            .defaultCost

        func run() async throws {
            try await ServerCLI.run {
                let name = try Validate.text(name, field: "user name", limit: 100)
                let password = try readPassword()
                guard password.count >= 10 else {
                    throw FieldbookError(.invalidInput, "the password needs at least 10 characters")
                }
                guard (4...31).contains(cost) else { throw FieldbookError(.usage, "--cost is from 4 to 31") }
                let hash = OfficePassword.hash(password, cost: cost)
                try await storeOptions.withStore { store in
                    let console = try await ConsoleStores.open(store)
                    try await console.addUser(
                        name: name, role: role, passwordHash: hash, now: SystemWallClock().milliseconds())
                }
                print("added \(role.rawValue) \(name)")
            }
        }

        func readPassword() throws -> String {
            guard isatty(STDIN_FILENO) != 0 else {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    throw FieldbookError(.invalidInput, "no password on standard input")
                }
                return line
            }
            let first = String(cString: getpass("Password for \(name): "))
            let second = String(cString: getpass("Again: "))
            guard first == second else { throw FieldbookError(.invalidInput, "the two passwords differ; try again") }
            return first
        }
    }
}
