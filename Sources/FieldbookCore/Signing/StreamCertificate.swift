/// An origin's signed statement about one of its streams: "my changes of this stream from
/// `base` up to `through` hash to `head`".
///
/// The chain is ``StreamChain``: each change's digest folded into the head of the ones
/// before it. One signature covers every change up to `through`, so a receiver pays a
/// hash per change and a signature per stream per batch, not a signature per change, and
/// a relay (the server, another laptop, a bundle) can forward the certificate with the
/// changes without being able to alter, drop, add or reorder any of them.
public struct StreamCertificate: Hashable, Sendable {
    /// The stream (partition and origin) the certificate is about.
    public var stream: StreamID
    /// Where the chain starts: 0 for a stream signed from its first change; for a stream
    /// its origin wrote before it had a key, the sequence it had reached then.
    public var base: UInt64
    /// The last sequence covered.
    public var through: UInt64
    /// The chain's head after `through`.
    public var head: Hash256
    /// The origin's Ed25519 signature over ``signedMessage``.
    public var signature: [UInt8]

    /// A certificate from its parts (as decoded; check it with ``isSigned(by:)``).
    public init(stream: StreamID, base: UInt64, through: UInt64, head: Hash256, signature: [UInt8]) {
        self.stream = stream
        self.base = base
        self.through = through
        self.head = head
        self.signature = signature
    }

    /// A certificate signed now by the stream's origin.
    public init(stream: StreamID, base: UInt64, through: UInt64, head: Hash256, signedWith key: OriginSigningKey) {
        self.init(stream: stream, base: base, through: through, head: head, signature: [])
        signature = key.signature(for: signedMessage)
    }

    /// The bytes the signature covers: a domain label, the stream, the base, the end and
    /// the head.
    public var signedMessage: [UInt8] {
        var canonical = CanonicalBytes(domain: "fieldbook-certificate-1")
        canonical.append(stream.partition.rawValue)
        canonical.append(stream.origin.rawValue)
        canonical.append(base)
        canonical.append(through)
        canonical.append(head)
        return canonical.bytes
    }

    /// Whether the certificate carries `key`'s valid signature.
    public func isSigned(by key: OriginPublicKey) -> Bool {
        base <= through && key.verifies(signature, for: signedMessage)
    }
}

/// The hash chain of a stream: `head(base) = genesis`, `head(s) = SHA-256(head(s-1) ‖
/// digest(change s))`.
public enum StreamChain {
    /// The head before the first signed change: bound to the stream and the base, so a
    /// chain can never be replayed for another stream or from another start.
    public static func genesis(of stream: StreamID, base: UInt64) -> Hash256 {
        var canonical = CanonicalBytes(domain: "fieldbook-chain-1")
        canonical.append(stream.partition.rawValue)
        canonical.append(stream.origin.rawValue)
        canonical.append(base)
        return Hash256.of(canonical.bytes)
    }

    /// The head after one more change.
    public static func link(_ head: Hash256, _ digest: Hash256) -> Hash256 {
        head.followed(by: digest)
    }
}
