import FieldbookCore

/// The partitions the server lets this device push.
public enum SyncScope: Hashable, Sendable {
    /// Where the scope is remembered in the replica's settings.
    public static let settingKey = "server.scope"
    /// The ID of the token the remembered scope was announced for: a scope holds only for
    /// the token it came with, so a new token learns its own on its first round.
    public static let tokenKey = "server.scope_token"

    /// The public part of a device token (`fbk_<id>_<secret>`), which names it without
    /// revealing it; the whole text when it is not in that form.
    public static func tokenID(of token: String) -> String {
        let parts = token.split(separator: "_", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0] == "fbk" ? String(parts[1]) : token
    }

    /// Not known yet (never synced): the first round only pulls.
    case unknown
    /// Every partition (an office token).
    case all
    /// These partitions only.
    case only(Set<PartitionID>)

    /// The scope a sync response announces: `nil` for every partition.
    public init(_ writable: [PartitionID]?) {
        self = writable.map { .only(Set($0)) } ?? .all
    }

    /// The partitions to push, `nil` for all (nothing while unknown).
    public var partitions: Set<PartitionID>? {
        switch self {
        case .unknown: []
        case .all: nil
        case .only(let partitions): partitions
        }
    }

    /// Whether a scope a server announces stays within this remembered one: the first
    /// announcement is taken as it is, later ones may narrow it but never widen it. A
    /// token's scope is fixed when the office issues it, so a reply that widens it is
    /// forged or comes from the wrong server, and taking it would make this laptop
    /// push and accept partitions its token never opened.
    public func admits(_ announced: SyncScope) -> Bool {
        switch (self, announced) {
        case (.unknown, _), (.all, _): true
        case (.only, .all), (.only, .unknown): false
        case (.only(let held), .only(let announced)): announced.isSubset(of: held)
        }
    }

    /// Whether a replica with this scope may receive changes of `partition`: its own
    /// partitions and the shared one (reference data every token reads).
    public func mayRead(_ partition: PartitionID) -> Bool {
        switch self {
        case .unknown, .all: true
        case .only(let partitions): partition.isShared || partitions.contains(partition)
        }
    }

    /// The first partition of `batch` (a range or a change) this scope may not read.
    public func firstUnreadable(in batch: ChangeBatch) -> PartitionID? {
        batch.ranges.lazy.map(\.stream.partition).first { !mayRead($0) }
            ?? batch.changes.lazy.map(\.partition).first { !mayRead($0) }
    }

    /// How many partitions, for messages: `all partitions`, `2 cohorts`.
    public var summary: String {
        switch self {
        case .unknown: "no scope yet"
        case .all: "every partition"
        case .only(let partitions): partitions.count == 1 ? "1 cohort" : "\(partitions.count) cohorts"
        }
    }

    /// The form kept in the replica's settings.
    public var storedForm: String {
        switch self {
        case .unknown: "unknown"
        case .all: "all"
        case .only(let partitions): partitions.sorted().map { $0.rawValue.hex }.joined(separator: ",")
        }
    }

    /// Reads the stored form.
    public init(storedForm: String) {
        switch storedForm {
        case "all": self = .all
        case "unknown": self = .unknown
        default:
            self = .only(Set(storedForm.split(separator: ",").compactMap { Bytes16(hex: $0) }.map(PartitionID.init)))
        }
    }
}
