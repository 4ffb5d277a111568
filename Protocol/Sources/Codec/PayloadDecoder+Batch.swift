import FieldbookCore

extension PayloadDecoder {
    /// The fewest bytes one change takes: stream, column, one key ID, time, sequence,
    /// value tag and previous are at least a byte each.
    static let minimumChangeSize = 7

    /// A batch, undoing the differences ``PayloadEncoder`` wrote.
    mutating func readBatch() throws(FieldbookError) -> ChangeBatch {
        let rangeCount = try reader.readCount(of: "range", minimumSize: 3)
        var ranges: [StreamRange] = []
        ranges.reserveCapacity(rangeCount)
        var lastSequence: [StreamID: UInt64] = [:]
        for _ in 0..<rangeCount {
            let range = try readRange()
            ranges.append(range)
            if lastSequence[range.stream] == nil { lastSequence[range.stream] = range.after }
        }

        // The limit is checked before the size so that an honest but oversized batch
        // is told it is too large (send less), not that it is damaged.
        let countAt = reader.offset
        let changeCount = try reader.readVarint()
        guard changeCount <= UInt64(max(limits.maxChanges, 0)) else {
            throw WireError.tooLarge("the change count", changeCount, limit: limits.maxChanges)
        }
        guard changeCount <= UInt64(reader.remaining / Self.minimumChangeSize) else {
            throw WireError.corrupt("change count \(changeCount) at byte \(countAt) is more than the payload can hold")
        }

        var changes: [Change] = []
        changes.reserveCapacity(Int(changeCount))
        var lastTime: UInt64 = 0
        var lastPrevious: UInt64 = 0
        for _ in 0..<changeCount {
            let stream = try readStream()
            let column = columns[try reader.readIndex(into: columns.count, of: "column")]
            let first = RowID(try readID())
            let key = column.keyCount == 2 ? RowKey(first, RowID(try readID())) : RowKey(first)

            let time = try reader.readTime(reference: lastTime)
            lastTime = time.milliseconds

            // Modular, like the encoder: every 64-bit sequence has exactly one encoding.
            let sequence = (lastSequence[stream, default: 0] &+ 1) &+ UInt64(bitPattern: try reader.readZigzag())
            lastSequence[stream] = sequence

            let value = try readValue()
            let previous = try readPrevious(stampTime: time, lastPrevious: &lastPrevious)
            changes.append(
                Change(
                    partition: stream.partition, table: column.table, key: key, column: column.column, value: value,
                    stamp: Stamp(time: time, origin: stream.origin), sequence: sequence, previous: previous
                ))
        }
        return ChangeBatch(changes: changes, ranges: ranges)
    }

    mutating func readPrevious(stampTime: HLC, lastPrevious: inout UInt64) throws(FieldbookError) -> Stamp? {
        let at = reader.offset
        let marker = try reader.readVarint()
        guard marker != 0 else { return nil }
        guard marker <= UInt64(ids.count) else {
            throw WireError.corrupt("ID index \(marker - 1) at byte \(at) is out of range (\(ids.count) entries)")
        }
        let origin = ReplicaID(ids[Int(marker - 1)])
        // Flag 1 says the time is relative to the last previous stamp, else to the change's own.
        let word = try reader.readTimeWord(flagBits: 1)
        let time = try word.time(reference: word.flags == 1 ? lastPrevious : stampTime.milliseconds)
        lastPrevious = time.milliseconds
        return Stamp(time: time, origin: origin)
    }

    mutating func readValue() throws(FieldbookError) -> Value {
        let at = reader.offset
        switch try reader.readByte() {
        case ValueTag.null:
            return .null
        case ValueTag.integer:
            return .integer(try reader.readZigzag())
        case ValueTag.real:
            return .real(try reader.readDouble())
        case ValueTag.text:
            return .text(try reader.readString())
        case ValueTag.blob:
            return .blob(Array(try reader.readLengthPrefixed()))
        case ValueTag.internedText:
            return .text(strings[try reader.readIndex(into: strings.count, of: "string")])
        case let tag:
            throw WireError.corrupt("unknown value tag \(tag) at byte \(at)")
        }
    }
}
