import ArgumentParser
import Fieldbook

/// The values shell completion offers (`fieldbook --generate-completion-script bash|zsh|fish`).
///
/// The options themselves stay strings: the domain checks them, with its own one-line
/// errors and "did you mean" (a status is also accepted in any case), so completion only
/// lists what may be typed.
enum Completions {
    /// What a mark may be, and `unmarked` to clear one.
    static let statuses = CompletionKind.list(AttendanceStatus.allCases.map(\.rawValue) + ["unmarked"])
    /// Kinds of event.
    static let kinds = CompletionKind.list(EventKind.allCases.map(\.rawValue))
    /// Programme codes.
    static let programmes = CompletionKind.list(Programme.all.map(\.code))
    /// Export formats.
    static let exportFormats = CompletionKind.list(ExportFormat.allCases.map(\.rawValue))
    /// Roster encodings.
    static let encodings = CompletionKind.list(["utf-8", "utf-16le", "utf-16be", "gb18030"])
    /// Time zones people here use most (any IANA name is accepted).
    static let zones = CompletionKind.list([
        "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Singapore", "Asia/Tokyo", "Europe/London", "UTC",
    ])
    /// A roster file.
    static let csvFiles = CompletionKind.file(extensions: ["csv"])
    /// A web page to write.
    static let htmlFiles = CompletionKind.file(extensions: ["html"])
}
