import FieldbookCore

// Hybrid timestamps travel as a millisecond delta against a reference reading (the
// previous change's, usually a few seconds back) plus the counter only when it is not
// zero: two or three bytes where the raw 64-bit reading would take eight or nine.
//
// The word is `zigzag(milliseconds − reference) << (flagBits + 1) | flags << 1 | c`,
// where `c` says a nonzero counter varint follows (PROTOCOL.md, "Timestamps").

extension WireWriter {
    /// Appends `time` against `reference` milliseconds, with `flagBits` caller flags packed in.
    mutating func append(time: HLC, reference: UInt64, flags: UInt64 = 0, flagBits: UInt64 = 0) {
        // Both readings are below 2^48, so the difference and its shifted zigzag fit.
        let delta = Int64(time.milliseconds) - Int64(reference)
        let hasCounter: UInt64 = time.counter == 0 ? 0 : 1
        append(varint: WireWriter.zigzag(delta) << (flagBits + 1) | flags << 1 | hasCounter)
        if hasCounter == 1 { append(varint: UInt64(time.counter)) }
    }

    /// The zigzag size of `time`'s delta from `reference`, to choose the closer of two references.
    static func distance(_ time: HLC, from reference: UInt64) -> UInt64 {
        zigzag(Int64(time.milliseconds) - Int64(reference))
    }
}

/// A time word as read, before the reference it is relative to is chosen.
struct TimeWord {
    /// Milliseconds relative to the reference.
    var delta: Int64
    /// The caller's flag bits.
    var flags: UInt64
    /// The HLC counter.
    var counter: UInt16
    /// Where the word started, for error messages.
    var offset: Int

    /// The reading this word gives against `reference` milliseconds.
    func time(reference: UInt64) throws(FieldbookError) -> HLC {
        let (milliseconds, overflow) = Int64(reference).addingReportingOverflow(delta)
        guard !overflow, milliseconds >= 0, UInt64(milliseconds) <= HLC.millisecondMask else {
            throw WireError.corrupt("timestamp at byte \(offset) is outside the 48-bit millisecond range")
        }
        return HLC(milliseconds: UInt64(milliseconds), counter: counter)
    }
}

extension WireReader {
    /// Reads a time word written by ``WireWriter/append(time:reference:flags:flagBits:)``.
    mutating func readTimeWord(flagBits: UInt64 = 0) throws(FieldbookError) -> TimeWord {
        let start = offset
        let word = try readVarint()
        let zigzagged = word >> (flagBits + 1)
        var counter: UInt16 = 0
        if word & 1 == 1 {
            let counterStart = offset
            counter = try readVarint(as: UInt16.self, "HLC counter")
            // A flagged counter of zero would give the same reading two encodings.
            guard counter != 0 else { throw WireError.corrupt("zero HLC counter flagged at byte \(counterStart)") }
        }
        return TimeWord(
            delta: Int64(bitPattern: zigzagged >> 1) ^ -Int64(bitPattern: zigzagged & 1),
            flags: (word >> 1) & ((1 << flagBits) - 1), counter: counter, offset: start
        )
    }

    /// Reads a time with no flags against `reference` milliseconds.
    mutating func readTime(reference: UInt64) throws(FieldbookError) -> HLC {
        try readTimeWord().time(reference: reference)
    }
}
