import FieldbookCore

/// A conflict as people review it: one value that two people wrote differently at the
/// same time, shown whole, with the version that won and the one that lost.
///
/// The ledger files conflicts per cell (``Conflict``): a losing attendance mark leaves an
/// entry for its status and another for its remark when both differed. An item gathers
/// the entries of one losing version of one column group (or of one cell outside any
/// group), so a contested mark is one item with both of its columns side by side, and
/// resolving it keeps or replaces the whole mark.
public struct ConflictItem: Hashable, Sendable, Codable {
    /// The ledger entry that names the item in `conflicts resolve` (its first entry).
    public var id: RowID
    /// Every ledger entry of the item, one per column whose value differed.
    public var entries: [RowID]
    /// The row's table.
    public var table: String
    /// The columns the item covers: the column group's, or the one cell's column.
    public var columns: [String]
    /// The row key, in canonical form.
    public var row: String
    /// What the row is, in words: `Li Wei (1234567) at "Module 1" 2024-03-02T09:00`.
    public var subject: String
    /// The current (winning) version.
    public var winner: Version
    /// The concurrent version that lost.
    public var loser: Version
    /// When it was resolved (UTC ISO 8601), if every entry is.
    public var resolvedAt: String?
    /// Who resolved it (replica ID), if anyone.
    public var resolvedBy: String?

    /// One version of the whole value.
    public struct Version: Hashable, Sendable, Codable {
        /// A short ID to name this version in `conflicts resolve --keep`.
        public var valueID: String
        /// Each column's value as text (`nil` for none), by column name.
        public var values: [String: String?]
        /// The replica that wrote it (short ID).
        public var author: String
        /// The name that replica gave itself, if it is on record here.
        public var authorName: String?
        /// When it was written, UTC ISO 8601 (from its hybrid clock reading).
        public var writtenAt: String

        /// The author for people: the name with the short ID, or just the ID.
        public var authorLabel: String { authorName.map { "\($0) (\(author))" } ?? author }

        /// The value of `column`, or `nil` when it holds none.
        public func value(_ column: String) -> String? { values[column] ?? nil }
    }

    /// Whether the item is still open.
    public var isOpen: Bool { resolvedAt == nil }
}
