/// The kind of a framed message. A struct with static members, not an enum, so that a
/// kind added by a newer peer decodes as an unknown kind that can be refused cleanly.
public struct MessageKind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// ``SyncRequest``.
    public static let syncRequest = MessageKind(rawValue: 1)
    /// ``SyncResponse``.
    public static let syncResponse = MessageKind(rawValue: 2)
    /// ``ErrorMessage``.
    public static let error = MessageKind(rawValue: 3)
    /// ``Bundle``.
    public static let bundle = MessageKind(rawValue: 4)
    /// ``KnowledgeFile``.
    public static let knowledge = MessageKind(rawValue: 5)

    /// ``RoundOpen``: the first frame of a framed request (format version 2).
    public static let roundOpen = MessageKind(rawValue: 6)
    /// A ``FieldbookCore/ChangeBatch`` as one frame of a framed request or answer.
    public static let changes = MessageKind(rawValue: 7)
    /// ``RoundHead``: the first frame of a framed answer.
    public static let roundHead = MessageKind(rawValue: 8)
    /// ``RoundEnd``: the last frame of a framed answer.
    public static let roundEnd = MessageKind(rawValue: 9)
    /// ``BundleHead``: the first frame of a framed bundle file.
    public static let bundleHead = MessageKind(rawValue: 10)

    /// The kinds this build reads; any other kind byte is refused as `unknownKind`.
    public static let known: Set<MessageKind> = [
        .syncRequest, .syncResponse, .error, .bundle, .knowledge, .roundOpen, .changes, .roundHead, .roundEnd,
        .bundleHead,
    ]

    public var description: String {
        switch self {
        case .syncRequest: "sync-request"
        case .syncResponse: "sync-response"
        case .error: "error"
        case .bundle: "bundle"
        case .knowledge: "knowledge"
        case .roundOpen: "round-open"
        case .changes: "changes"
        case .roundHead: "round-head"
        case .roundEnd: "round-end"
        case .bundleHead: "bundle-head"
        default: "unknown(\(rawValue))"
        }
    }
}
