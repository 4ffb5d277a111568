/// One thing wrong with a roster file: where (line, column) and why.
public struct RosterProblem: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The 1-based line the row starts on; nil for a problem of the whole file.
    public var line: Int?
    /// The column as the file's header names it, when the problem is in one cell.
    public var column: String?
    /// What is wrong, and what to do about it.
    public var reason: String

    /// "line 4, column trn: TRN '12' must be exactly 7 digits".
    public var description: String {
        guard let line else { return reason }
        return "line \(line)" + (column.map { ", column \($0)" } ?? "") + ": " + reason
    }
}

/// Every problem of a roster file that was refused, so a person fixes them all in one
/// go instead of finding them one run at a time.
public struct RosterProblems: Error, Sendable, DetailedError {
    /// The problems, in line order.
    public var problems: [RosterProblem]

    public var details: [String] { problems.map(\.description) }
}

/// An error whose one-line message is followed by detail lines (one per bad row).
public protocol DetailedError: Error {
    /// The lines to print after the message.
    var details: [String] { get }
}
