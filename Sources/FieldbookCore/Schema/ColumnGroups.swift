/// The column groups of a schema, as the merge asks about them.
///
/// Every column of a group is written together under one stamp
/// (``TableSchema/columnGroups``), so when two writes of a group are concurrent, every
/// column of it sees the same two versions. The ledger gets one entry for them, under the
/// group's first column, and the office resolves the mark once; another column of the
/// group files an entry of its own only when the first column's two values were equal
/// (two facilitators both marked `absent`, with different remarks), so no losing value
/// goes unrecorded.
public struct ColumnGroups: Sendable, Hashable {
    /// `table` → the grouped columns that are not their group's first.
    private var followers: [String: Set<String>] = [:]
    /// `table` → the first columns of its groups.
    private var leads: [String: Set<String>] = [:]

    /// No groups.
    public init() {}

    /// The groups of `schema`.
    public init(_ schema: ReplicatedSchema) {
        for table in schema.tables {
            for group in table.columnGroups where group.count > 1 {
                followers[table.name, default: []].formUnion(group.dropFirst())
                leads[table.name, default: []].insert(group[0])
            }
        }
    }

    /// Whether `cell` belongs to a group it does not lead.
    public func follows(_ cell: CellAddress) -> Bool {
        followers[cell.table]?.contains(cell.column) ?? false
    }

    /// Whether `cell` is the first column of a group.
    public func leads(_ cell: CellAddress) -> Bool {
        leads[cell.table]?.contains(cell.column) ?? false
    }
}
