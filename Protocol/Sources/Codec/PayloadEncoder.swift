import FieldbookCore

/// Encodes one message into a payload: the interning tables, then the message body
/// (PROTOCOL.md, "Payload").
///
/// The body is written first, interning strings, IDs, streams and columns as they are
/// met; the tables are then written in front of it. Every 16-byte ID and every name is
/// stored once per message however many changes use it: in a batch of attendance
/// marks, the event and participant IDs that key the rows are the bulk of the raw size.
struct PayloadEncoder {
    /// A stream as the table stores it: two ID table indexes.
    struct StreamEntry: Hashable {
        var partition: Int
        var origin: Int
    }

    /// What a change writes to, as the column table stores it: the table and column
    /// names (string table indexes) and how many row IDs the key holds.
    struct ColumnEntry: Hashable {
        var table: Int
        var column: Int
        var keyCount: UInt8
    }

    /// The envelope format version the payload is for: version 3 frames carry proofs and
    /// keys that earlier versions have no place for.
    var version: UInt8
    var body = WireWriter()
    var strings = Interner<[UInt8]>()
    var ids = Interner<Bytes16>()
    var streams = Interner<StreamEntry>()
    var columns = Interner<ColumnEntry>()
    /// Short texts that occur more than once in the batch: sent as string table indexes.
    var repeatedTexts: Set<[UInt8]> = []

    /// The payload of `message`.
    static func payload(for message: Message, version: UInt8 = WireFormat.version) -> [UInt8] {
        var encoder = PayloadEncoder(version: version)
        encoder.encode(message)
        return encoder.finish()
    }

    /// The tables followed by the body.
    func finish() -> [UInt8] {
        var tables = WireWriter(capacity: body.bytes.count + 16 * ids.values.count + 64)
        tables.append(varint: UInt64(strings.values.count))
        for string in strings.values { tables.append(lengthPrefixed: string) }
        tables.append(varint: UInt64(ids.values.count))
        for id in ids.values { tables.append(bytes16: id) }
        tables.append(varint: UInt64(streams.values.count))
        for stream in streams.values {
            tables.append(varint: UInt64(stream.partition))
            tables.append(varint: UInt64(stream.origin))
        }
        tables.append(varint: UInt64(columns.values.count))
        for column in columns.values {
            tables.append(varint: UInt64(column.table))
            tables.append(varint: UInt64(column.column))
            tables.append(byte: column.keyCount)
        }
        tables.append(raw: body.bytes)
        return tables.bytes
    }

    mutating func encode(_ message: Message) {
        switch message {
        case .syncRequest(let request):
            body.append(varint: UInt64(request.schemaVersion))
            append(id: request.replica.rawValue)
            body.append(varint: request.clientTime)
            body.append(varint: UInt64(request.maxResponseBytes))
            encode(request.knowledge)
            encode(request.batch)
        case .syncResponse(let response):
            append(id: response.server.rawValue)
            body.append(varint: response.serverTime)
            encode(response.knowledge)
            encode(response.accepted)
            encode(quarantined: response.quarantined)
            body.append(bool: response.hasMore)
            encode(writable: response.writablePartitions)
            encode(response.batch)
        case .error(let error):
            encode(error)
        case .bundle(let bundle):
            body.append(varint: UInt64(bundle.schemaVersion))
            append(id: bundle.author.rawValue)
            body.append(varint: bundle.createdAt)
            encode(bundle.knowledge)
            encode(bundle.batch)
        case .knowledge(let file):
            append(id: file.replica.rawValue)
            encode(file.knowledge)
        case .roundOpen(let open):
            body.append(varint: UInt64(open.schemaVersion))
            append(id: open.replica.rawValue)
            body.append(varint: open.clientTime)
            body.append(varint: UInt64(open.frameBytes))
            body.append(varint: UInt64(open.roundBytes))
            encode(open.knowledge)
            if signs { encode(key: open.publicKey) }
        case .changes(let batch):
            encode(batch)
            if signs { encode(proofs: batch.proofs) }
        case .roundHead(let head):
            append(id: head.server.rawValue)
            body.append(varint: head.serverTime)
            encode(head.knowledge)
            encode(head.accepted)
            encode(quarantined: head.quarantined)
            encode(writable: head.writablePartitions)
            if signs { encode(keys: head.originKeys) }
        case .roundEnd(let end):
            body.append(bool: end.hasMore)
            body.append(varint: end.frames)
            body.append(varint: end.changes)
        case .bundleHead(let head):
            body.append(varint: UInt64(head.schemaVersion))
            append(id: head.author.rawValue)
            body.append(varint: head.createdAt)
            encode(head.knowledge)
            encode(head.base)
            body.append(varint: head.frames)
            body.append(varint: head.changes)
            if signs { encode(keys: head.originKeys) }
        }
    }

    /// Whether the payload's format carries proofs and keys (version 3 frames on).
    var signs: Bool { version >= 3 }

    /// The first sequence held back in each quarantined stream.
    mutating func encode(quarantined: [StreamStart]) {
        body.append(varint: UInt64(quarantined.count))
        for start in quarantined {
            append(stream: start.stream)
            body.append(varint: start.sequence)
        }
    }

    /// A token's scope: 0 for every partition, n + 1 then n partitions.
    mutating func encode(writable: [PartitionID]?) {
        if let writable {
            body.append(varint: UInt64(writable.count) + 1)
            for partition in writable { append(id: partition.rawValue) }
        } else {
            body.append(varint: 0)
        }
    }

    mutating func encode(_ error: ErrorMessage) {
        body.append(varint: UInt64(error.code.rawValue))
        body.append(string: error.message)
        body.append(varint: error.serverTime)
        if let resume = error.resume {
            body.append(bool: true)
            append(range: resume)
        } else {
            body.append(bool: false)
        }
        body.append(lengthPrefixed: error.supportedFormats)
        if let schemas = error.supportedSchemas {
            body.append(bool: true)
            body.append(varint: UInt64(schemas.lowerBound))
            body.append(varint: UInt64(schemas.upperBound))
        } else {
            body.append(bool: false)
        }
    }

    /// Partitions in ID order, origins in ID order within each: dictionaries have no
    /// order of their own, and the bytes must not depend on hashing.
    mutating func encode(_ knowledge: Knowledge) {
        let partitions = knowledge.partitions
        body.append(varint: UInt64(partitions.count))
        for partition in partitions {
            let vector = knowledge[partition]
            append(id: partition.rawValue)
            body.append(varint: UInt64(vector.entries.count))
            for origin in vector.origins {
                append(id: origin.rawValue)
                body.append(varint: vector[origin])
            }
        }
    }

    mutating func encode(_ summary: MergeSummary) {
        for count in [
            summary.applied, summary.superseded, summary.duplicates, summary.conflicts, summary.quarantined,
            summary.unknown,
        ] {
            body.append(varint: UInt64(count))
        }
    }

    mutating func append(id: Bytes16) {
        body.append(varint: UInt64(ids.index(of: id)))
    }

    /// The stream table index of `stream`, interning its IDs first.
    mutating func index(of stream: StreamID) -> Int {
        let partition = ids.index(of: stream.partition.rawValue)
        let origin = ids.index(of: stream.origin.rawValue)
        return streams.index(of: StreamEntry(partition: partition, origin: origin))
    }

    mutating func append(stream: StreamID) {
        body.append(varint: UInt64(index(of: stream)))
    }

    /// A stream range: the stream, `after`, then `through − after` (mod 2^64), which is
    /// the batch's length and so usually short.
    mutating func append(range: StreamRange) {
        append(stream: range.stream)
        body.append(varint: range.after)
        body.append(varint: range.through &- range.after)
    }
}
