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
    /// The data schema version its opening frame declared (the protocol sends no app version).
    public var schemaVersion: Int
    /// Its clock minus the server's when it opened the round, milliseconds.
    public var clockAhead: Int64
    /// Its own changes the server still lacked after that round: what it had written by
    /// then, per cohort, less what the server holds of its streams now.
    public var unsynced: Int
}
