import FieldbookCore

/// A conflict ledger entry as people read it: which cell, the value that won, the
/// concurrent value that lost, who wrote each and when.
public struct Conflict: Hashable, Sendable, Codable {
    /// The ledger entry's row ID.
    public var id: RowID
    /// The cell's table.
    public var table: String
    /// The cell's column.
    public var column: String
    /// The cell's row key, in canonical form.
    public var row: String
    /// What the row is, in words: `Li Wei (1234567) at "Module 1" 2024-03-02T09:00`.
    public var subject: String
    /// The current (winning) version.
    public var winner: Version
    /// The concurrent version that lost.
    public var loser: Version
    /// When it was resolved (UTC ISO 8601), if it was.
    public var resolvedAt: String?
    /// Who resolved it (replica ID), if anyone.
    public var resolvedBy: String?

    /// One version of the cell.
    public struct Version: Hashable, Sendable, Codable {
        /// A short ID to name this value in `conflicts resolve --keep`.
        public var valueID: String
        /// The value, as text (`null` for none).
        public var value: String?
        /// The replica that wrote it (short ID).
        public var author: String
        /// The name that replica gave itself, if it is on record here.
        public var authorName: String?

        /// The author for people: the name with the short ID, or just the ID.
        public var authorLabel: String { authorName.map { "\($0) (\(author))" } ?? author }
        /// When it was written, UTC ISO 8601 (from its hybrid clock reading).
        public var writtenAt: String
    }

    /// Whether the entry is still open.
    public var isOpen: Bool { resolvedAt == nil }
}
