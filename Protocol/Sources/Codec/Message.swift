import FieldbookCore

/// Any message the wire format carries: the unit ``WireFormat`` encodes and decodes.
///
/// ```swift
/// let bytes = WireFormat.encode(.syncRequest(request))
/// guard case .syncResponse(let response) = try WireFormat.decode(body) else { … }
/// ```
public enum Message: Hashable, Sendable {
    /// A client's half of a sync round.
    case syncRequest(SyncRequest)
    /// The server's answer to a sync round.
    case syncResponse(SyncResponse)
    /// A refusal, with a typed code.
    case error(ErrorMessage)
    /// Changes carried as a file between replicas.
    case bundle(Bundle)
    /// A replica's knowledge, written to a file so a peer can make a bundle for it.
    case knowledge(KnowledgeFile)
    /// The first frame of a framed sync request.
    case roundOpen(RoundOpen)
    /// One frame of changes, in a framed request or answer.
    case changes(ChangeBatch)
    /// The first frame of a framed sync answer.
    case roundHead(RoundHead)
    /// The last frame of a framed sync answer or bundle file.
    case roundEnd(RoundEnd)
    /// The first frame of a framed bundle file.
    case bundleHead(BundleHead)

    /// The kind byte the envelope carries for this message.
    public var kind: MessageKind {
        switch self {
        case .syncRequest: .syncRequest
        case .syncResponse: .syncResponse
        case .error: .error
        case .bundle: .bundle
        case .knowledge: .knowledge
        case .roundOpen: .roundOpen
        case .changes: .changes
        case .roundHead: .roundHead
        case .roundEnd: .roundEnd
        case .bundleHead: .bundleHead
        }
    }
}
