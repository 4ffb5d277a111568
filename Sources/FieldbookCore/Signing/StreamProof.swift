/// What a replica knows of one stream's hash chain: the sequence it holds and the chain's
/// head there.
public struct ChainState: Hashable, Sendable {
    /// Where the stream's chain starts (see ``StreamCertificate/base``).
    public var base: UInt64
    /// The sequence held (the version vector entry).
    public var held: UInt64
    /// The head after `held`; `nil` when it is not known: history merged before signing
    /// existed, or taken on a trusted sender's word.
    public var head: Hash256?

    /// A state from its parts.
    public init(base: UInt64, held: UInt64, head: Hash256?) {
        self.base = base
        self.held = held
        self.head = head
    }

    /// Nothing held: the state of every stream a replica has not received yet.
    public static let empty = ChainState(base: 0, held: 0, head: nil)
}

/// The digest of one change, by its sequence: how a batch proves a change it does not
/// carry (compacted by the sender, or beyond the batch's end up to the certificate).
public struct SequenceDigest: Hashable, Sendable {
    /// The change's sequence in its stream.
    public var sequence: UInt64
    /// Its ``Change/digest``.
    public var digest: Hash256

    /// A digest from its parts.
    public init(sequence: UInt64, digest: Hash256) {
        self.sequence = sequence
        self.digest = digest
    }
}

/// What proves one range of a batch: its origin's certificate at or after the range's
/// end, and the digests of every sequence between the range's start and the
/// certificate's end that the batch does not carry as a change.
public struct StreamProof: Hashable, Sendable {
    /// The origin's signed chain head; its `through` is at or after the range's.
    public var certificate: StreamCertificate
    /// Digests of the uncarried sequences in `(range.after, certificate.through]`, in
    /// ascending order.
    public var digests: [SequenceDigest]

    /// A proof from its parts.
    public init(certificate: StreamCertificate, digests: [SequenceDigest] = []) {
        self.certificate = certificate
        self.digests = digests
    }
}
