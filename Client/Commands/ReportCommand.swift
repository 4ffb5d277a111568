import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import Foundation

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Attendance rates, and who missed a session.",
        discussion: """
            Examples:
              fieldbook report attendance --cohort "NPQH Spring 2024" --threshold 80
              fieldbook report missed 6d12 --format csv -o missed.csv
            """,
        subcommands: [Attendance.self, Missed.self])

    /// A report as a table (default), CSV for Excel, or JSON.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, csv, json
    }

    struct Options: ParsableArguments {
        @Option(help: "table, csv or json.") var format: Format = .table
        @Flag(help: "CSV without the byte order mark, with LF line ends.") var plain = false
        @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?

        func emit(_ text: String) throws {
            guard let output else { return print(text, terminator: text.hasSuffix("\n") ? "" : "\n") }
            try CLI.writeAtomically(Array(text.utf8), to: output)
        }
    }

    struct Attendance: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per participant: sessions held, present, late, absent, excused, unmarked and the rate.",
            discussion: """
                The rate is (present + late) / (present + late + absent), as in the office console: an
                excused absence does not count against anyone, and unmarked sessions are listed to be
                chased. A session is held once its start time has passed. Rates below the programme's
                threshold are flagged: the office console's threshold when this is the server's store,
                else --threshold.
                Example: fieldbook report attendance --cohort "NPQH Spring 2024" --threshold 80
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: Options
        @Option(help: "Only this cohort (ID prefix or name).") var cohort: String?
        @Option(help: "Flag rates below this percentage (where the office has set none).") var threshold: Int?

        func run() throws {
            try CLI.run {
                let report = try global.open().attendanceReport(cohort: cohort, threshold: threshold)
                let format: Format = global.json ? .json : options.format
                try options.emit(try Self.render(report, as: format, style: options.plain ? .plain : .excel))
            }
        }

        static func rate(_ rate: Double?) -> String { rate.map { String(format: "%.1f%%", $0) } ?? "" }

        static func render(_ report: AttendanceReport, as format: Format, style: CSVStyle) throws -> String {
            switch format {
            case .json:
                return try Fieldbook.json(report)
            case .csv:
                let header = [
                    "programme", "cohort_id", "cohort", "participant_id", "participant", "trn", "school", "city",
                    "held", "present", "late", "absent", "excused", "unmarked", "rate", "below_threshold",
                ]
                return CSVWriter.text(
                    [header]
                        + report.lines.map {
                            [
                                $0.programme, $0.cohortID.description, $0.cohort, $0.participantID.description,
                                $0.participant, $0.trn ?? "", $0.school ?? "", $0.city ?? "", "\($0.held)",
                                "\($0.present)", "\($0.late)", "\($0.absent)", "\($0.excused)", "\($0.unmarked)",
                                $0.rate.map { String(format: "%.1f", $0) } ?? "",
                                $0.belowThreshold.map { $0 ? "yes" : "no" } ?? "",
                            ]
                        }, style: style)
            case .table:
                let thresholds = Dictionary(uniqueKeysWithValues: report.thresholds.map { ($0.programme, $0) })
                let table = CLI.table(
                    [
                        "COHORT", "NAME", "TRN", "HELD", "PRESENT", "LATE", "ABSENT", "EXCUSED", "UNMARKED", "RATE",
                        "FLAG",
                    ],
                    report.lines.map { line in
                        [
                            "\(line.programme) \(line.cohort)", line.participant, line.trn ?? "", "\(line.held)",
                            "\(line.present)", "\(line.late)", "\(line.absent)", "\(line.excused)",
                            "\(line.unmarked)", rate(line.rate),
                            line.belowThreshold == true
                                ? "below \(thresholds[line.programme]?.percent ?? 0)%" : "",
                        ]
                    })
                var footer = report.thresholds.map { threshold in
                    let below = report.lines.filter { $0.programme == threshold.programme && $0.belowThreshold == true }
                    let source = threshold.source == "office" ? "set by the office" : "--threshold"
                    return
                        "\(threshold.programme): threshold \(threshold.percent)% (\(source)); \(below.count) below it"
                }
                for programme in report.programmesWithoutThreshold {
                    footer.append(
                        "\(programme): no attendance threshold is set; pass --threshold PERCENT to flag rates")
                }
                if report.lines.isEmpty { footer.append("No participants.") }
                return ([table] + footer).joined(separator: "\n") + "\n"
            }
        }
    }

    struct Missed: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Who missed an event: absent, excused or not marked.",
            discussion: "Example: fieldbook report missed \"Module 1\" --format csv -o missed.csv")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: Options
        @Argument(help: "The event (ID prefix or title).") var event: String

        func run() throws {
            try CLI.run {
                let report = try global.open().missedReport(event: event)
                let format: Format = global.json ? .json : options.format
                try options.emit(try Self.render(report, as: format, style: options.plain ? .plain : .excel))
            }
        }

        static func render(_ report: MissedReport, as format: Format, style: CSVStyle) throws -> String {
            switch format {
            case .json:
                return try Fieldbook.json(report)
            case .csv:
                let header = ["participant_id", "participant", "trn", "school", "city", "email", "status", "remark"]
                return CSVWriter.text(
                    [header]
                        + report.lines.map {
                            let person = $0.participant
                            return [
                                person.id.description, person.name, person.trn ?? "", person.school ?? "",
                                person.city ?? "", person.email ?? "", $0.status, $0.remark ?? "",
                            ]
                        }, style: style)
            case .table:
                let event = report.event
                let head =
                    "\"\(event.title)\" \(event.starts) \(event.zone) — \(report.cohort): "
                    + "\(report.lines.count) of \(report.participants) missed"
                guard !report.lines.isEmpty else { return head + "\n" }
                return head + "\n"
                    + CLI.table(
                        ["ID", "NAME", "TRN", "SCHOOL", "STATUS", "REMARK"],
                        report.lines.map {
                            [
                                $0.participant.id.short, $0.participant.name, $0.participant.trn ?? "",
                                $0.participant.school ?? "", $0.status, $0.remark ?? "",
                            ]
                        }) + "\n"
            }
        }
    }
}
