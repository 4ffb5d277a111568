import FieldbookCore

/// Writes a bundle file as frames (PROTOCOL.md, "Bundles and knowledge files"): a
/// ``BundleHead`` that counts what follows, one `Changes` frame per batch, and a
/// ``RoundEnd`` that counts it again.
///
/// Frames are encoded as batches are appended, so the writer holds the compressed bytes,
/// not the decoded changes; the head, which counts them, goes in front at the end.
///
/// ```swift
/// var writer = BundleWriter()
/// for batch in batches { writer.append(batch) }
/// let file = writer.bytes(schemaVersion: 3, author: me, createdAt: now, knowledge: held, base: theirs, originKeys: keys)
/// ```
public struct BundleWriter: Sendable {
    private var body: [UInt8] = []
    private let compressionLevel: Int32
    /// `Changes` frames appended so far.
    public private(set) var frames = 0
    /// Changes those frames carry.
    public private(set) var changes = 0

    /// A writer that compresses each frame at `compressionLevel` (0 stores it as is).
    public init(compressionLevel: Int32 = 6) {
        self.compressionLevel = compressionLevel
    }

    /// Appends one batch as one frame: it must be self-contained (its ranges vouch for its
    /// changes, PROTOCOL.md section 11), so a receiver merges it on its own.
    public mutating func append(_ batch: ChangeBatch) {
        body += WireFormat.frame(.changes(batch), compressionLevel: compressionLevel)
        frames += 1
        changes += batch.changes.count
    }

    /// The whole file: head, the frames appended, end.
    ///
    /// - Parameter originKeys: the public keys of the origins the frames prove.
    public func bytes(
        schemaVersion: UInt32, author: ReplicaID, createdAt: UInt64, knowledge: Knowledge, base: Knowledge,
        originKeys: [ReplicaID: OriginPublicKey] = [:]
    ) -> [UInt8] {
        let head = BundleHead(
            schemaVersion: schemaVersion, author: author, createdAt: createdAt, knowledge: knowledge, base: base,
            frames: UInt64(frames), changes: UInt64(changes), originKeys: originKeys)
        let end = RoundEnd(hasMore: false, frames: UInt64(frames), changes: UInt64(changes))
        return WireFormat.frame(.bundleHead(head), compressionLevel: compressionLevel) + body
            + WireFormat.frame(.roundEnd(end), compressionLevel: compressionLevel)
    }
}
