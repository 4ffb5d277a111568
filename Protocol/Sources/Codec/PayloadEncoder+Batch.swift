import FieldbookCore

extension PayloadEncoder {
    /// A batch: its ranges, then its changes in order, each written as differences from
    /// what came before it (PROTOCOL.md, "Change batch").
    mutating func encode(_ batch: ChangeBatch) {
        findRepeatedTexts(in: batch.changes)

        // Each stream's sequence is predicted as one more than the last seen in it,
        // starting from `after` of the stream's first range: a contiguous batch then
        // spends one byte (a zero) per change on sequence numbers.
        var lastSequence: [Int: UInt64] = [:]
        body.append(varint: UInt64(batch.ranges.count))
        for range in batch.ranges {
            let stream = index(of: range.stream)
            append(range: range)
            if lastSequence[stream] == nil { lastSequence[stream] = range.after }
        }

        var lastTime: UInt64 = 0
        var lastPrevious: UInt64 = 0
        body.append(varint: UInt64(batch.changes.count))
        for change in batch.changes {
            let stream = index(of: change.stream)
            body.append(varint: UInt64(stream))
            let column = ColumnEntry(
                table: strings.index(of: Array(change.table.utf8)),
                column: strings.index(of: Array(change.column.utf8)),
                keyCount: UInt8(change.key.count)
            )
            body.append(varint: UInt64(columns.index(of: column)))
            for part in change.key.parts { append(id: part.rawValue) }

            body.append(time: change.stamp.time, reference: lastTime)
            lastTime = change.stamp.time.milliseconds

            let expected = lastSequence[stream, default: 0] &+ 1
            body.append(zigzag: Int64(bitPattern: change.sequence &- expected))
            lastSequence[stream] = change.sequence

            encode(change.value)
            encode(previous: change.previous, of: change.stamp, lastPrevious: &lastPrevious)
        }
    }

    /// A previous stamp: `0` for none, else its origin's ID index + 1 and its time.
    ///
    /// The time is written against whichever is closer: the change's own stamp (a
    /// replica overwriting its own recent value) or the last previous stamp in the batch
    /// (values overwritten together, such as a roster import, sit close to each other).
    /// Flag bit 1 of the time word says which.
    mutating func encode(previous: Stamp?, of stamp: Stamp, lastPrevious: inout UInt64) {
        guard let previous else {
            body.append(varint: 0)
            return
        }
        body.append(varint: UInt64(ids.index(of: previous.origin.rawValue)) + 1)
        let fromStamp = WireWriter.distance(previous.time, from: stamp.time.milliseconds)
        let fromLast = WireWriter.distance(previous.time, from: lastPrevious)
        let useLast = fromLast < fromStamp
        body.append(
            time: previous.time, reference: useLast ? lastPrevious : stamp.time.milliseconds,
            flags: useLast ? 1 : 0, flagBits: 1
        )
        lastPrevious = previous.time.milliseconds
    }

    /// A value: its tag, then its payload.
    mutating func encode(_ value: Value) {
        switch value {
        case .null:
            body.append(byte: ValueTag.null)
        case .integer(let integer):
            body.append(byte: ValueTag.integer)
            body.append(zigzag: integer)
        case .real(let real):
            body.append(byte: ValueTag.real)
            body.append(double: real)
        case .text(let text):
            let utf8 = Array(text.utf8)
            if repeatedTexts.contains(utf8) {
                body.append(byte: ValueTag.internedText)
                body.append(varint: UInt64(strings.index(of: utf8)))
            } else {
                body.append(byte: ValueTag.text)
                body.append(lengthPrefixed: utf8)
            }
        case .blob(let blob):
            body.append(byte: ValueTag.blob)
            body.append(lengthPrefixed: blob)
        }
    }

    /// Marks the short texts used more than once; compared as bytes, not as `String`s,
    /// so canonically equivalent but different spellings each keep their own bytes.
    mutating func findRepeatedTexts(in changes: [Change]) {
        var seen: Set<[UInt8]> = []
        for change in changes {
            guard case .text(let text) = change.value, text.utf8.count <= ValueTag.maximumInternedLength else {
                continue
            }
            let utf8 = Array(text.utf8)
            if !seen.insert(utf8).inserted { repeatedTexts.insert(utf8) }
        }
    }
}
