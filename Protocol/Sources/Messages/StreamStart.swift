import FieldbookCore

/// A stream and a sequence number in it.
public struct StreamStart: Hashable, Sendable {
    /// The stream.
    public var stream: StreamID
    /// The sequence.
    public var sequence: UInt64

    /// A stream position from its parts.
    public init(stream: StreamID, sequence: UInt64) {
        self.stream = stream
        self.sequence = sequence
    }
}
