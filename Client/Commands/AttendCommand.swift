import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import Foundation

struct AttendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attend", abstract: "Mark attendance at an event: one participant, or everyone at once.",
        discussion: """
            A participant is named by ID prefix, TRN or name (李伟, or its pinyin Li Wei), if unique.
            The status `unmarked` clears a mark. --all marks everyone in the event's cohort, except the
            people --except names, each group followed by its status; all in one transaction.
            Examples:
              fieldbook attend 6d12 1234567 late --remark "arrived 09:20, train delay"
              fieldbook attend 6d12 李伟 unmarked
              fieldbook attend 6d12 --all present --except 1234567 "Zhang Min" absent 2345678 excused
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The event (ID prefix or title).") var event: String
    @Argument(help: "The participant (ID prefix, TRN or name).") var participant: String?
    @Argument(help: "present, late, absent, excused, or unmarked to clear.", completion: Completions.statuses)
    var status: String?
    @Option(help: "A remark, e.g. \"arrived 09:20, train delay\".") var remark: String?
    @Option(help: "Mark everyone in the event's cohort with this status.", completion: Completions.statuses)
    var all: String?
    @Option(
        parsing: .upToNextOption,
        help: "With --all: participants, then the status they get instead (repeatable: P… STATUS P… STATUS).")
    var except: [String] = []

    /// The statuses that end a group of `--except` names.
    static let statuses = AttendanceStatus.allCases.map(\.rawValue) + ["unmarked"]

    func validate() throws {
        if all != nil {
            guard participant == nil, status == nil else {
                throw ValidationError("give either PARTICIPANT STATUS or --all STATUS, not both")
            }
            guard remark == nil else { throw ValidationError("--remark is for one participant's mark, not --all") }
        } else {
            guard except.isEmpty else { throw ValidationError("--except goes with --all STATUS") }
            guard participant != nil, status != nil else {
                throw ValidationError("give PARTICIPANT STATUS, or --all STATUS for everyone")
            }
        }
        _ = try exceptions()
    }

    /// `--except` values as groups of names, each ended by a status.
    func exceptions() throws -> [Fieldbook.MarkException] {
        var groups: [Fieldbook.MarkException] = []
        var names: [String] = []
        for value in except {
            if Self.statuses.contains(value.lowercased()) {
                guard !names.isEmpty else {
                    throw ValidationError(
                        "--except names participants before their status, e.g. --except 1234567 absent")
                }
                groups.append(.init(participants: names, status: value))
                names = []
            } else {
                names.append(value)
            }
        }
        guard names.isEmpty else {
            throw ValidationError(
                "end --except with the status for \(names.joined(separator: ", ")), e.g. --except 1234567 absent")
        }
        return groups
    }

    func run() throws {
        try CLI.run {
            let fieldbook = try global.open()
            if let all {
                let lines = try fieldbook.attendAll(event: event, status: all, except: try exceptions())
                try CLI.output(lines, json: global.json) {
                    let counts = Dictionary(grouping: lines, by: \.status).mapValues(\.count)
                    let summary = Self.statuses.compactMap { status in counts[status].map { "\($0) \(status)" } }
                    return "Marked \(lines.count) participants: \(summary.joined(separator: ", "))"
                }
            } else if let participant, let status {
                let line = try fieldbook.attend(event: event, participant: participant, status: status, remark: remark)
                try CLI.output(line, json: global.json) {
                    line.status == "unmarked"
                        ? "Cleared the mark of \(line.participant.name)"
                        : "Marked \(line.participant.name) \(line.status)"
                }
            }
        }
    }
}
