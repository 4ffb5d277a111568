import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import Foundation

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create a new replica (refuses to overwrite one).",
        discussion: "Example: fieldbook init --name \"Wang Li (Shanghai laptop)\" --zone Asia/Shanghai")

    @OptionGroup var global: GlobalOptions

    @Option(help: "A name for this replica, e.g. \"Wang Li (Shanghai laptop)\".")
    var name: String

    @Option(help: "The IANA time zone this replica prints times in.", completion: Completions.zones)
    var zone = LocalTime.defaultZone

    func run() throws {
        try CLI.run {
            let (path, isDefault) = global.resolvedPath
            let folder = (path as NSString).deletingLastPathComponent
            if isDefault {
                try? FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
            var isDirectory: ObjCBool = false
            if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
                throw FieldbookError(.notFound, "folder \(folder) does not exist; create it or pass another --db")
            }
            // Checked before the file exists, so a bad zone creates no replica.
            let zone = try Validate.zone(zone)
            let fieldbook = try Fieldbook.create(at: path, name: name)
            if zone != LocalTime.defaultZone { try fieldbook.setDisplayZone(zone) }
            let status = try fieldbook.status()
            try CLI.output(status, json: global.json) {
                "Created replica '\(status.name)' (\(status.replicaID.short)) at \(path)"
            }
        }
    }
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the replica, its counts, unsynced changes, conflicts and quarantine.",
        discussion: "Example: fieldbook status --json")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try CLI.run {
            let fieldbook = try global.open()
            let status = try fieldbook.status()
            let zone = try fieldbook.displayZone()
            try CLI.output(status, json: global.json) {
                [
                    "replica      \(status.name) (\(status.replicaID))",
                    "file         \(status.path)",
                    "cohorts      \(status.cohorts)",
                    "venues       \(status.venues)",
                    "participants \(status.participants)",
                    "events       \(status.events)",
                    "attendance   \(status.attendanceMarks) marks",
                    "notes        \(status.notes)",
                    "unsynced     \(status.unsyncedChanges) changes"
                        + (status.localOnlyChanges > 0
                            ? " (+\(status.localOnlyChanges) this token cannot send; they stay local)" : ""),
                    "conflicts    \(status.openConflicts) open",
                    "quarantined  \(status.quarantinedChanges) changes",
                    "server       \(status.server ?? "not set")",
                    "last sync    \(status.lastSync.map { LocalTime.format(utc: $0, in: zone) + " " + zone } ?? "never")",
                    "time zone    \(zone)",
                ].joined(separator: "\n")
            }
        }
    }
}

struct CompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Drop superseded changes from the log (vectors still count them, so sync stays exact).",
        discussion: """
            A superseded change is kept so that peers receive whole histories (an overwrite
            reaching a peer before the value it overwrote would look like a conflict). After a
            while every peer has them; --older-than says how long to keep them.
            Example: fieldbook compact --older-than 60
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Keep changes superseded within this many days.") var olderThan = 30

    func run() throws {
        try CLI.run {
            let cutoff = try CompactionCutoff.days(olderThan, before: SystemWallClock().milliseconds())
            let fieldbook = try global.open()
            let removed = try fieldbook.store.compact(supersededBefore: cutoff)
            struct Output: Encodable { var removed: Int }
            try CLI.output(Output(removed: removed), json: global.json) { "Removed \(removed) superseded changes" }
        }
    }
}
