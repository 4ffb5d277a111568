import FieldbookCore

/// The partitions the server lets this device push.
public enum SyncScope: Hashable, Sendable {
    /// Where the scope is remembered in the replica's settings.
    public static let settingKey = "server.scope"

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
