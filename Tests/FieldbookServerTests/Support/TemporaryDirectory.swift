import Foundation

/// A fresh folder under the system's temporary directory, removed when the last
/// reference goes away (set `FIELDBOOK_KEEP_TEST_FILES=1` to keep it for a post-mortem).
final class TemporaryDirectory: Sendable {
    let path: String

    init(_ label: String = "fieldbook-server-tests") throws {
        path = NSTemporaryDirectory() + "\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// A path inside the folder.
    func file(_ name: String) -> String { path + "/" + name }

    deinit {
        if ProcessInfo.processInfo.environment["FIELDBOOK_KEEP_TEST_FILES"] == nil {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}
