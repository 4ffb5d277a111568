import ArgumentParser
import FieldbookCore

/// What people type out of habit from other tools, made to work or explained:
/// `fieldbook --db FILE init` (git puts global options first), and a mistyped command
/// (`fieldbook atend …`) answered with the command meant.
enum CommandLineHabits {
    /// Options every command takes; `--db` has a value.
    static let globalFlags: Set<String> = ["--json"]
    static let globalOptions: Set<String> = ["--db"]

    /// The arguments with global options given before the command moved after it (before
    /// a `--`, if any), where ArgumentParser looks for them.
    ///
    /// - Throws: `usage` for a command that does not exist, suggesting the nearest.
    static func arranged(_ arguments: [String], root: ParsableCommand.Type) throws -> [String] {
        var leading: [String] = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            if globalFlags.contains(argument) || globalOptions.contains(where: { argument.hasPrefix($0 + "=") }) {
                leading.append(argument)
                index += 1
            } else if globalOptions.contains(argument), index + 1 < arguments.endIndex {
                leading += arguments[index...index + 1]
                index += 2
            } else {
                break
            }
        }
        var rest = Array(arguments[index...])
        try checkCommands(rest, under: root, path: [])
        guard !leading.isEmpty else { return arguments }
        // `fieldbook --db FILE --help`: the root's own flags do not take global options.
        guard let first = rest.first, !first.hasPrefix("-") else { return rest }
        rest.insert(contentsOf: leading, at: rest.firstIndex(of: "--") ?? rest.endIndex)
        return rest
    }

    /// Refuses a word where a command belongs that names none, suggesting the nearest.
    static func checkCommands(_ arguments: [String], under command: ParsableCommand.Type, path: [String]) throws {
        let subcommands = command.configuration.subcommands
        guard !subcommands.isEmpty, command.configuration.defaultSubcommand == nil,
            let word = arguments.first, !word.hasPrefix("-")
        else { return }
        let names = subcommands.map { $0._commandName } + ["help"]
        if let match = subcommands.first(where: { $0._commandName == word }) {
            return try checkCommands(Array(arguments.dropFirst()), under: match, path: path + [word])
        }
        guard word != "help" else { return }
        let spelled = (["fieldbook"] + path).joined(separator: " ")
        let nearest = names.map { ($0, distance(word.lowercased(), $0)) }.min { $0.1 < $1.1 }
        if let (name, distance) = nearest,
            distance <= max(1, min(2, word.count / 3)) || name.hasPrefix(word.lowercased())
        {
            throw FieldbookError(
                .usage, "'\(word)' is not a command; did you mean '\(spelled) \(name)'? See '\(spelled) --help'")
        }
        throw FieldbookError(
            .usage,
            "'\(word)' is not a command: one of \(names.dropLast().joined(separator: ", ")); see '\(spelled) --help'")
    }

    /// The Levenshtein distance: how many letters to insert, delete or change.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty else { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
