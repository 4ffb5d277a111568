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

    /// The kinds this build reads; any other kind byte is refused as `unknownKind`.
    public static let known: Set<MessageKind> = [.syncRequest, .syncResponse, .error, .bundle, .knowledge]

    public var description: String {
        switch self {
        case .syncRequest: "sync-request"
        case .syncResponse: "sync-response"
        case .error: "error"
        case .bundle: "bundle"
        case .knowledge: "knowledge"
        default: "unknown(\(rawValue))"
        }
    }
}
