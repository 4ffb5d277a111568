import ArgumentParser
import FieldbookCore
import Foundation

/// `fieldbook`: the facilitator's command-line tool. Every command works offline
/// against the local replica; `sync` and `bundle` move changes between replicas.
@main
struct FieldbookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fieldbook",
        abstract: "Record NPQ attendance and notes offline; sync when the network returns.",
        discussion: """
            The replica is a SQLite file: --db PATH, else $FIELDBOOK_DB, else
            $XDG_DATA_HOME/fieldbook/replica.sqlite, else $HOME/.local/share/fieldbook/replica.sqlite. IDs print as 8 characters; any unique
            prefix names a row; a cohort may also be named by its name ("NPQH Spring 2024"),
            a participant by TRN or name, an event by its title, a venue by its school.
            Exit codes: 0 ok, 64 usage, 65 bad data, 66 missing input, 69 server unavailable,
            73 cannot create, 74 storage error, 77 permission denied, 1 other.
            """,
        version: FieldbookVersion.current,
        subcommands: [
            InitCommand.self, StatusCommand.self, CohortCommand.self, VenueCommand.self, ParticipantCommand.self,
            EventCommand.self, AttendCommand.self, RollCallCommand.self, RegisterCommand.self, NoteCommand.self,
            ConflictsCommand.self,
            ExportCommand.self, ReportCommand.self, BundleCommand.self, CompactCommand.self, RemoteCommand.self,
            SyncCommand.self,
            DemoCommand.self,
        ]
    )

    static func main() async {
        do {
            let arguments = try CommandLineHabits.arranged(Array(CommandLine.arguments.dropFirst()), root: Self.self)
            await CLI.main(Self.self, arguments: arguments)
        } catch let error as FieldbookError {
            Foundation.exit(CLI.fail(error).rawValue)
        } catch {
            Foundation.exit(1)
        }
    }
}
