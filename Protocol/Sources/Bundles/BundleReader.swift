import FieldbookCore

/// Reads a framed bundle file frame by frame, so the receiver merges each `Changes` frame
/// in its own transaction and a file cut short or damaged keeps the whole frames before
/// the damage (PROTOCOL.md, "Bundles and knowledge files").
///
/// The reader checks the order (head, changes, end) and the counts; ``next()`` returns
/// `nil` when the bytes run out, and ``isWhole`` then says whether the end frame arrived.
///
/// ```swift
/// var reader = BundleReader(bytes)
/// while let part = try reader.next() { … }
/// guard reader.isWhole else { /* cut short after reader.framesRead frames */ }
/// ```
public struct BundleReader: Sendable {
    /// One frame of a bundle, as the receiver acts on it.
    public enum Part: Hashable, Sendable {
        /// The first frame: who wrote the bundle and what follows.
        case head(BundleHead)
        /// One frame of changes, self-contained.
        case changes(ChangeBatch)
    }

    private var frames: FrameReader
    /// The head frame, once read.
    public private(set) var head: BundleHead?
    /// The end frame, once read and found to count what came before it.
    public private(set) var end: RoundEnd?
    /// `Changes` frames returned so far.
    public private(set) var framesRead = 0
    /// Changes those frames carry.
    public private(set) var changesRead = 0

    /// A reader of `bytes`, refusing frames over `limits`.
    public init(_ bytes: some Collection<UInt8>, limits: DecodeLimits = .frame) {
        frames = FrameReader(limits: limits, versions: WireFormat.readableFrameVersions)
        frames.append(bytes)
    }

    /// Whether the whole bundle was read: its end frame arrived, counting every frame.
    public var isWhole: Bool { end != nil }

    /// Bytes of a frame cut short at the end of the file.
    public var pendingBytes: Int { frames.pendingBytes }

    /// Where the next frame would be, for a message: "the head frame", "frame 13 of 40",
    /// "the end frame".
    public var nextFrameName: String {
        guard let head else { return "the head frame" }
        guard UInt64(framesRead) < head.frames else { return "the end frame" }
        return "frame \(framesRead + 1) of \(head.frames)"
    }

    /// The next frame, or `nil` once the bytes have run out (whole or cut short).
    ///
    /// - Throws: `.corrupt` with a short detail (no advice: the caller knows what was
    ///   merged) for a damaged frame, frames out of order, counts that disagree, or bytes
    ///   after the end frame; `.unsupportedVersion` / `.unknownKind` / `.tooLarge` as a
    ///   frame's header says.
    public mutating func next() throws(FieldbookError) -> Part? {
        if end != nil {
            guard pendingBytes == 0 else { throw Self.damage("\(pendingBytes) bytes follow the end frame") }
            return nil
        }
        let message: Message?
        do {
            message = try frames.next()
        } catch {
            throw Self.plain(error)
        }
        guard let message else { return nil }
        switch (head, message) {
        case (nil, .bundleHead(let first)):
            head = first
            return .head(first)
        case (nil, _):
            throw Self.damage("a bundle starts with its head frame, this one with a \(message.kind) frame")
        case (let head?, .changes(let batch)):
            guard UInt64(framesRead) < head.frames else {
                throw Self.damage("more change frames than the \(head.frames) its head counts")
            }
            framesRead += 1
            changesRead += batch.changes.count
            guard UInt64(changesRead) <= head.changes else {
                throw Self.damage("more changes than the \(head.changes) its head counts")
            }
            return .changes(batch)
        case (let head?, .roundEnd(let last)):
            guard last.frames == UInt64(framesRead), last.changes == UInt64(changesRead), last.frames == head.frames,
                last.changes == head.changes
            else {
                throw Self.damage(
                    "the end frame counts \(last.frames) frames and \(last.changes) changes, the head \(head.frames) and \(head.changes), and \(framesRead) frames of \(changesRead) changes came"
                )
            }
            end = last
            return try next()
        default:
            throw Self.damage("a \(message.kind) frame has no place in a bundle")
        }
    }

    static func damage(_ detail: String) -> FieldbookError {
        FieldbookError(.corrupt, detail)
    }

    /// A frame reader's refusal without the advice it adds for a sync round ("send it
    /// again"), which would mislead about a file: the importer words its own.
    static func plain(_ error: FieldbookError) -> FieldbookError {
        var error = error
        let prefix = "corrupt Fieldbook message: "
        if error.message.hasPrefix(prefix) { error.message.removeFirst(prefix.count) }
        if let advice = error.message.firstRange(of: "; it was damaged or cut short on the way") {
            error.message.removeSubrange(advice.lowerBound...)
        }
        return error
    }
}
