/// The first byte of an encoded ``FieldbookCore/Value``: which storage class follows.
///
/// A raw `UInt8` with named cases (not an enum over the payload) so a decoder meets a
/// tag from a newer peer as a number it can name in its refusal.
enum ValueTag {
    /// SQL NULL; nothing follows.
    static let null: UInt8 = 0
    /// A zigzag varint.
    static let integer: UInt8 = 1
    /// Eight bytes: the IEEE 754 bit pattern, big-endian.
    static let real: UInt8 = 2
    /// A length-prefixed UTF-8 string, inline.
    static let text: UInt8 = 3
    /// Length-prefixed bytes.
    static let blob: UInt8 = 4
    /// A string table index: short text that repeats in the message, stored once.
    static let internedText: UInt8 = 5

    /// The longest text (UTF-8 bytes) worth interning: statuses and labels repeat, free
    /// text rarely does.
    static let maximumInternedLength = 64
}
