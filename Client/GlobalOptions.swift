import ArgumentParser
import Fieldbook
import FieldbookCore
import Foundation

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long, help: "The replica file (default: $FIELDBOOK_DB, else ~/.local/share/fieldbook/replica.sqlite).")
    var db: String?

    @Flag(name: .long, help: "Print machine-readable JSON instead of text.")
    var json = false

    /// The replica path and whether it is the default location (whose folder we may create).
    var resolvedPath: (path: String, isDefault: Bool) {
        if let db { return (db, false) }
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["FIELDBOOK_DB"], !path.isEmpty { return (path, false) }
        let base =
            environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.local/share")
        return (base + "/fieldbook/replica.sqlite", true)
    }

    /// Opens the replica.
    func open() throws -> Fieldbook {
        try Fieldbook.open(at: resolvedPath.path)
    }
}
