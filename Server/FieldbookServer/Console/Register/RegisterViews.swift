import FieldbookCore

/// One conflict ledger entry as the console shows it: the cell, and both versions.
public struct ConflictView: Sendable, Hashable {
    /// The ledger entry's row ID.
    public var id: RowID
    /// The conflicting cell's table, key and column.
    public var table: String
    public var key: RowKey
    public var column: String
    /// The version every replica holds now.
    public var winner: ConflictVersion
    /// The concurrent version that lost the merge.
    public var loser: ConflictVersion
    /// When the entry was resolved (Unix milliseconds), if it was.
    public var resolvedAt: UInt64?

    /// Whether the entry still waits for the office.
    public var isOpen: Bool { resolvedAt == nil }
}

/// One version of a conflicting cell.
public struct ConflictVersion: Sendable, Hashable {
    /// The value as text, `nil` for none.
    public var value: String?
    /// The replica that wrote it.
    public var origin: ReplicaID?
    /// When it was written (Unix milliseconds, from its hybrid clock).
    public var writtenAt: UInt64
    /// Its whole hybrid time (with the counter), which tells apart two versions written
    /// in the same millisecond; 0 when not known.
    public var hlc: UInt64 = 0
}

/// One conflicting record on the conflicts page: a cell, or a column group (an attendance
/// mark: status and remark) shown whole, with every version the ledger holds of it.
///
/// A losing mark files a ledger entry for each of its columns whose value differed
/// (PROTOCOL.md §13.1), so one mark can have two entries; they share the loser's stamp and
/// are shown as one version here. Keeping any version writes the whole group again, which
/// closes every entry of the item.
public struct ConflictItem: Sendable, Hashable {
    /// The record's table and key.
    public var table: String
    public var key: RowKey
    /// The columns shown: the group's, or the one conflicting column.
    public var columns: [String]
    /// The record in words (`李伟 · "Webinar: Evidence" 2026-03-10T12:00`).
    public var subject: String
    /// The version every replica holds now.
    public var winner: Side
    /// The concurrent versions that lost, oldest first (usually one).
    public var losers: [Side]

    /// A whole version of the record.
    public struct Side: Sendable, Hashable {
        /// A ledger entry to name when keeping this version (any entry of the item for
        /// the winner; one of this loser's entries for a loser).
        public var entry: RowID
        /// The value of each of ``ConflictItem/columns``, in order, `nil` for none.
        public var values: [String?]
        /// Who wrote it, when.
        public var origin: ReplicaID?
        public var writtenAt: UInt64
        /// The ledger entries that keep this version (every entry of the item for the
        /// winner); naming any of them keeps this version.
        public var entries: Set<RowID>
    }
}

/// A replica on record in the register (a laptop, the office, the server itself).
public struct LaptopView: Sendable, Hashable {
    /// The replica.
    public var replicaID: ReplicaID
    /// The name it gave itself, if it wrote anything the server holds.
    public var name: String?
    /// How many of its changes the server holds.
    public var changesHeld: Int
    /// The newest of its changes the server holds (Unix milliseconds).
    public var lastChange: UInt64?
    /// Its changes held back for clock skew.
    public var quarantined: Int = 0
    /// What its last answered sync round said, if the server recorded one.
    public var lastRound: LaptopRound?

    /// When the server last heard from it: its last round, else its newest change.
    public var lastSeen: UInt64? { lastRound?.answeredAt ?? lastChange }
}

/// A laptop's last answered sync round, as the server recorded it.
public struct LaptopRound: Sendable, Hashable {
    /// When the server answered it (Unix milliseconds).
    public var answeredAt: UInt64
    /// The device token it synced under.
    public var token: String
    /// The data schema version its opening frame declared.
    public var schemaVersion: Int
    /// Its clock minus the server's when it opened the round, milliseconds.
    public var clockAhead: Int64
    /// Its own changes the server still lacked after that round: what it had written by
    /// then, per cohort, less what the server holds of its streams now.
    public var unsynced: Int
    /// The Fieldbook version its sync requests named (`User-Agent: fieldbook/0.1.0 (linux)`),
    /// the last one seen; `nil` when it never sent one.
    public var appVersion: String? = nil
}
