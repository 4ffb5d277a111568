import Foundation

/// A fresh directory under the system's temporary folder, removed when the value is freed.
///
/// ```swift
/// let directory = try TemporaryDirectory()
/// let path = directory.path("replica.sqlite")
/// ```
public final class TemporaryDirectory: Sendable {
    /// The directory's absolute path.
    public let url: URL

    /// Creates the directory; `prefix` names it for people reading a leftover folder.
    public init(prefix: String = "fieldbook-test") throws {
        let name = "\(prefix)-\(UUID().uuidString.prefix(8))"
        url = FileManager.default.temporaryDirectory.appendingPathComponent(name, isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// The path of `name` inside the directory (nothing is created).
    public func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    /// Writes `text` to `name` inside the directory and returns its path.
    @discardableResult
    public func write(_ text: String, to name: String) throws -> String {
        let path = path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// Runs `body` with a fresh temporary directory that is removed afterwards.
public func withTemporaryDirectory<T>(_ body: (TemporaryDirectory) throws -> T) throws -> T {
    let directory = try TemporaryDirectory()
    return try body(directory)
}
