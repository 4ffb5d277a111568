import FieldbookCore
import Foundation

/// Creates a replica file readable by its owner only, before SQLite opens it.
///
/// A replica holds teachers' names, emails and notes. SQLite creates files with the
/// process umask (often 0644: readable by every account on a shared laptop or server),
/// and gives its `-wal` and `-shm` files the main file's mode, so creating the main file
/// 0600 first keeps all three private. A folder the tool creates is 0700; an existing
/// folder is left as its owner set it.
enum PrivateFile {
    /// Owner read and write.
    static let fileMode: Int16 = 0o600
    /// Owner read, write and search.
    static let folderMode: Int16 = 0o700

    /// Makes the folder of `path` (0700) when missing, and an empty file (0600) at `path`.
    ///
    /// - Throws: `.storage` when either cannot be created.
    static func create(at path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        let files = FileManager.default
        if !folder.isEmpty, !files.fileExists(atPath: folder) {
            do {
                try files.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: folderMode])
            } catch {
                throw FieldbookError(.storage, "cannot create the folder \(folder); check that it can be written")
            }
        }
        guard files.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: fileMode]) else {
            throw FieldbookError(.storage, "cannot create \(path); check that its folder can be written")
        }
    }
}
