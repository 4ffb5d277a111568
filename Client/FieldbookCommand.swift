import ArgumentParser

/// `fieldbook`: the facilitator's command-line tool. Every command works offline
/// against the local replica; `sync` and `bundle` move changes between replicas.
@main
struct FieldbookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fieldbook",
        abstract: "Record NPQ attendance and notes offline; sync when the network returns.",
        discussion: """
            The replica is a SQLite file: --db PATH, else $FIELDBOOK_DB, else
            ~/.local/share/fieldbook/replica.sqlite. IDs print as 8 characters; any unique
            prefix names a row, and a participant may also be named by TRN.
            Exit codes: 0 ok, 64 usage, 65 bad data, 66 missing input, 69 server unavailable,
            73 cannot create, 74 storage error, 77 permission denied, 1 other.
            """,
        version: "0.1.0",
        subcommands: [
            InitCommand.self, StatusCommand.self, CohortCommand.self, VenueCommand.self, ParticipantCommand.self,
            EventCommand.self, AttendCommand.self, RegisterCommand.self, NoteCommand.self, ConflictsCommand.self,
            ExportCommand.self, BundleCommand.self, CompactCommand.self, RemoteCommand.self, SyncCommand.self,
            DemoCommand.self,
        ]
    )

    static func main() async {
        await CLI.main(Self.self)
    }
}
