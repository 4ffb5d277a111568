import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import FieldbookSync
import Foundation

struct RemoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote", abstract: "Set the sync server this replica syncs with.", subcommands: [Set.self])

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store the server URL, the device token and whom to trust for https in the replica.",
            discussion: """
                Over https the server's certificate is checked against the system's trust store, or, with
                --ca, against the office's own certificate authority only; the CA is kept in the replica, so
                the file may move afterwards. Without --ca or --system-trust a CA stored earlier stays.
                Example: fieldbook remote set https://sync.example.cn --token fbk_… --ca office-ca.pem
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The server, e.g. https://sync.example.org or http://127.0.0.1:8080.") var url: String
        @Option(help: "The device token the office issued (fbk_…); may be left out to keep the stored one.")
        var token: String?
        @Option(
            help: ArgumentHelp(
                "Trust only this certificate authority (PEM) for the server's https certificate.", valueName: "file"))
        var ca: String?
        @Flag(help: "Trust the system's certificate store again, forgetting a CA stored with --ca.")
        var systemTrust = false

        func validate() throws {
            if ca != nil && systemTrust {
                throw ValidationError("give either --ca FILE or --system-trust, not both")
            }
        }

        func run() throws {
            try CLI.run {
                let base = try HTTPSyncTransport.validate(url)
                if let token, !token.hasPrefix("fbk_") {
                    throw FieldbookError(.invalidInput, "token does not look like a Fieldbook device token (fbk_…)")
                }
                var trust: ServerTrust?
                if let ca {
                    guard base.lowercased().hasPrefix("https://") else {
                        throw FieldbookError(
                            .usage, "--ca is for an https:// server; give the server's https:// URL with --ca")
                    }
                    guard let pem = String(data: try CLI.readData(ca), encoding: .utf8) else {
                        throw FieldbookError(
                            .invalidInput,
                            "\(ca) holds no PEM certificate (-----BEGIN CERTIFICATE-----); give --ca the certificate of the authority that signed the server's certificate"
                        )
                    }
                    trust = try ServerTrust(pem: pem, source: ca)
                } else if systemTrust {
                    trust = .system
                }
                let fieldbook = try global.open()
                guard let token = try token ?? fieldbook.store.setting("server.token") else {
                    throw FieldbookError(
                        .usage, "no device token stored yet; give the office's token with --token fbk_…")
                }
                var settings: [(key: String, value: String?)] = [("server.url", url), ("server.token", token)]
                if let trust { settings.append((ServerTrust.settingKey, trust.pem)) }
                // One transaction: a failure leaves the previous remote whole.
                try fieldbook.store.setSettings(settings)
                var trusting = ""
                if try fieldbook.store.setting(ServerTrust.settingKey) != nil {
                    trusting = ", trusting only the CA " + (ca.map { "in \($0)" } ?? "stored earlier")
                }
                print("Remote set to \(url)\(trusting)")
                warnIfTokenGoesInClear(to: url)
            }
        }
    }

    /// Warns on standard error when the device token would travel unencrypted over the
    /// network: an http:// server that is not this machine. Loopback stays quiet.
    static func warnIfTokenGoesInClear(to url: String) {
        guard let host = HTTPSyncTransport.cleartextHost(url) else { return }
        CLI.printError(
            "warning: the device token goes to \(host) unencrypted over http://; anyone on the network can copy it. Use the server's https:// URL (see docs/SECURITY.md)"
        )
    }
}
