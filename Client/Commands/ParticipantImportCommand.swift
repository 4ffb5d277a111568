import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import Foundation

/// `fieldbook participant import`: a roster as it arrives from a school or the office.
struct ParticipantImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import participants from a CSV roster. All or nothing.",
        discussion: """
            The header names the columns, in any order: name (or 姓名), and any of trn (教师参考号),
            school (学校), city (城市), email (邮箱); other columns are ignored with a warning.
            The file may be UTF-8 (with or without a BOM), UTF-16 with a BOM, or GB18030/GBK
            (what Excel saves in China); --encoding overrides the guess. Every bad row is
            reported at once (line, column, reason) and nothing is imported.
            Examples:
              fieldbook participant import --cohort "NPQH Spring 2024" roster.csv
              fieldbook participant import --cohort "NPQH Spring 2024" --update --check roster-v2.csv
            """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "The cohort (ID prefix or name).") var cohort: String
    @Flag(help: "Update participants whose TRN is already in the cohort (their non-empty cells).") var update = false
    @Flag(help: "Check the file and say what would happen; write nothing.") var check = false
    @Option(
        help: "The file's encoding: utf-8, utf-16le, utf-16be or gb18030 (default: detected).",
        completion: Completions.encodings)
    var encoding: String?
    @Argument(help: "The CSV file.", completion: Completions.csvFiles) var file: String

    func run() throws {
        try CLI.run {
            let named = try encoding.map { name in
                guard let encoding = TextEncoding(name: name) else {
                    throw FieldbookError(.usage, "--encoding '\(name)' is not one of \(TextEncoding.names)")
                }
                return encoding
            }
            let fieldbook = try global.open()
            let (text, encoding) = try TextEncoding.decode(CLI.readData(file), as: named, file: file)
            var result = try fieldbook.importRoster(cohort: cohort, csv: text, update: update, check: check)
            result.encoding = encoding.rawValue
            for column in result.ignoredColumns {
                CLI.printError("warning: ignored column '\(column)' (not name, trn, school, city or email)")
            }
            try CLI.output(result, json: global.json) { summary(result) }
        }
    }

    func summary(_ result: RosterImport) -> String {
        let added = "\(result.added.count) participant\(result.added.count == 1 ? "" : "s")"
        var parts = [result.checked ? "would add \(added)" : "added \(added)"]
        if update || !result.updated.isEmpty {
            parts.append((result.checked ? "would update " : "updated ") + "\(result.updated.count)")
            parts.append("\(result.unchanged) unchanged")
        }
        let head = result.checked ? "Checked \(file) (\(result.encoding ?? "")): " : "Imported \(file): "
        return head + parts.joined(separator: ", ") + (result.checked ? "; nothing was written" : "")
    }
}
