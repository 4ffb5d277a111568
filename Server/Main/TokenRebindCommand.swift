import ArgumentParser
import FieldbookCore
import FieldbookServer

extension TokenCommand {
    /// Clears a token's replica binding: the office's answer to a replaced or re-installed
    /// laptop, whose new replica the token would otherwise refuse.
    struct Rebind: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let a device's token bind to a new replica at its next sync (a replaced laptop).")
        @OptionGroup var storeOptions: ServerStoreOptions
        @Argument(help: "The token's name.") var name: String

        func run() async throws {
            try await ServerCLI.run {
                guard try await storeOptions.withStore({ try await $0.unbindToken(name: name) }) else {
                    throw FieldbookError(.notFound, "no live token named '\(name)'; see `fieldbook-server token list`")
                }
                print("Token \(name) will bind to the next replica that syncs with it")
            }
        }
    }
}
