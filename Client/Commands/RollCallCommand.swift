import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `fieldbook rollcall EVENT`: the roll read out, one line per participant, each answer
/// written to the replica the moment it is given.
struct RollCallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollcall", abstract: "Take the roll interactively: one answer per participant, kept as given.",
        discussion: """
            Names come in the order of the sign-in sheet. Answer each with p (present), l (late),
            a (absent) or e (excused), a remark may follow ("l train delay"); s skips, q stops.
            Every answer is saved the moment it is given, so a closed laptop or a killed terminal
            loses nothing; run the command again to go on with the people not yet marked (--all to
            go over everyone). Answers may come from a file or a pipe, one per line.
            Examples:
              fieldbook rollcall "Module 1"
              printf 'p\\np\\na\\n' | fieldbook rollcall 6d12
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The event (ID prefix or title).") var event: String
    @Flag(help: "Go over everyone, not only the people with no mark yet.") var all = false

    /// What the roll call did, for `--json` and the closing line.
    struct Summary: Encodable {
        var event: Event
        var marked: [RegisterLine]
        var skipped: Int
        var stopped: Bool
        var unmarked: Int
    }

    func run() throws {
        try CLI.run {
            let fieldbook = try global.open()
            let (event, lines) = try fieldbook.rollCall(event: event)
            let zone = try fieldbook.displayZone()
            let interactive = isatty(STDIN_FILENO) == 1
            // With --json, standard output carries the summary alone: the dialogue goes to stderr.
            let say: (String) -> Void =
                global.json
                ? { FileHandle.standardError.write(Data($0.utf8)) }
                : { FileHandle.standardOutput.write(Data($0.utf8)) }
            let due = all ? lines : lines.filter { $0.status == "unmarked" }
            say(
                "Roll call: \"\(TerminalText.sanitized(event.title))\", \(LocalTime.start(of: event, in: zone)) — "
                    + (all ? "\(due.count) participants\n" : "\(due.count) of \(lines.count) not marked yet\n"))
            var summary = Summary(event: event, marked: [], skipped: 0, stopped: false, unmarked: 0)
            if !due.isEmpty { say("Answer \(RollCallAnswer.help).\n") }
            let width = String(due.count).count
            call: for (index, line) in due.enumerated() {
                let person = line.participant
                let current = line.status == "unmarked" ? "" : " [\(line.status)\(line.remark.map { ": \($0)" } ?? "")]"
                let number = String(repeating: " ", count: width - String(index + 1).count) + "\(index + 1)"
                let who = [person.name, person.trn, person.school].compactMap { $0 }.joined(separator: "  ")
                let prompt = "[\(number)/\(due.count)] \(TerminalText.sanitized(who + current)) ? "
                while true {
                    say(prompt)
                    guard let typed = readLine(strippingNewline: true) else {
                        // End of input (Ctrl-D, or the file ran out): stop, keeping every answer.
                        say("\n")
                        summary.stopped = true
                        break call
                    }
                    // Without a terminal nothing echoes the answer: write it, so the log reads as one.
                    if !interactive { say(typed + "\n") }
                    guard let answer = RollCallAnswer(typed) else {
                        say("  answer \(RollCallAnswer.help)\n")
                        continue
                    }
                    switch answer {
                    case .quit:
                        summary.stopped = true
                        break call
                    case .skip:
                        summary.skipped += 1
                    case .mark(let status, let remark):
                        summary.marked.append(
                            try fieldbook.attend(
                                event: event.id.description, participant: person.id.description,
                                status: status.rawValue, remark: remark))
                    }
                    continue call
                }
            }
            summary.unmarked = try fieldbook.register(event: event.id.description).lines.filter {
                $0.status == "unmarked"
            }.count
            if global.json { return try CLI.output(summary, json: true) { "" } }
            say(Self.closing(summary, event: self.event) + "\n")
        }
    }

    static func closing(_ summary: Summary, event reference: String) -> String {
        let counts = Dictionary(grouping: summary.marked, by: \.status).mapValues(\.count)
        let statuses = AttendanceStatus.allCases.compactMap { status in
            counts[status.rawValue].map { "\($0) \(status.rawValue)" }
        }
        var text = "Marked \(summary.marked.count)" + (statuses.isEmpty ? "" : " (\(statuses.joined(separator: ", ")))")
        if summary.skipped > 0 { text += ", skipped \(summary.skipped)" }
        text += "; \(summary.unmarked) not marked"
        if summary.unmarked > 0 {
            text += ": run `fieldbook rollcall \(reference.contains(" ") ? "\"\(reference)\"" : reference)` to go on"
        }
        return text + "."
    }
}
