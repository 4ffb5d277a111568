import ArgumentParser
import Fieldbook
import FieldbookCore
import Foundation

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: """
            The replica file (default: $FIELDBOOK_DB, else $XDG_DATA_HOME/fieldbook/replica.sqlite, \
            else $HOME/.local/share/fieldbook/replica.sqlite).
            """)
    var db: String?

    @Flag(name: .long, help: "Print machine-readable JSON instead of text.")
    var json = false

    /// The replica path and whether it is the default location (whose folder we may create).
    var resolvedPath: (path: String, isDefault: Bool) {
        if let db { return (db, false) }
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["FIELDBOOK_DB"], !path.isEmpty { return (path, false) }
        return (ReplicaLocation.defaultPath(environment: environment), true)
    }

    /// Opens the replica: the one named, else the default one. Where the default has no
    /// replica but an earlier default location has, that one is opened, with a note.
    func open() throws -> Fieldbook {
        let resolved = resolvedPath
        var path = resolved.path
        if resolved.isDefault, !FileManager.default.fileExists(atPath: path),
            let earlier = ReplicaLocation.earlierDefault(environment: ProcessInfo.processInfo.environment)
        {
            CLI.printError("note: using the replica at \(earlier); move it to \(path), or pass --db \(earlier)")
            path = earlier
        }
        return try Fieldbook.open(at: path)
    }
}

/// Where a replica lives when no `--db` and no `$FIELDBOOK_DB` name it.
///
/// The XDG Base Directory rule: `$XDG_DATA_HOME/fieldbook/replica.sqlite`, else
/// `$HOME/.local/share/fieldbook/replica.sqlite`. Earlier builds took the home folder
/// from the password database rather than `$HOME`, and ignored a relative
/// `$XDG_DATA_HOME` only by accident; a replica made there keeps working.
enum ReplicaLocation {
    static let relativePath = "fieldbook/replica.sqlite"

    /// The default replica path.
    static func defaultPath(environment: [String: String]) -> String {
        // The XDG spec: a relative XDG_DATA_HOME is invalid and is ignored.
        if let data = environment["XDG_DATA_HOME"], data.hasPrefix("/") {
            return (data as NSString).appendingPathComponent(relativePath)
        }
        return homeDataPath(home: home(environment: environment))
    }

    /// `$HOME`, else the home folder in the password database.
    static func home(environment: [String: String]) -> String {
        if let home = environment["HOME"], !home.isEmpty { return home }
        return NSHomeDirectory()
    }

    static func homeDataPath(home: String) -> String {
        ((home as NSString).appendingPathComponent(".local/share") as NSString).appendingPathComponent(relativePath)
    }

    /// A replica at an earlier default location, when there is one that the default is not:
    /// under `$HOME/.local/share` when `$XDG_DATA_HOME` is set, or under the password
    /// database's home folder when `$HOME` points elsewhere.
    static func earlierDefault(environment: [String: String]) -> String? {
        let current = defaultPath(environment: environment)
        let candidates = [homeDataPath(home: home(environment: environment)), homeDataPath(home: NSHomeDirectory())]
        return candidates.first { $0 != current && FileManager.default.fileExists(atPath: $0) }
    }
}
