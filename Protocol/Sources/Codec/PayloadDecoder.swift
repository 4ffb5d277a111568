import FieldbookCore

/// Decodes one payload into a message: the interning tables, then the body of the
/// kind the envelope named (PROTOCOL.md, "Payload").
///
/// Every count is checked against the bytes left (and the change count against
/// ``DecodeLimits/maxChanges``) before it sizes anything, and every index against its
/// table, so malformed input ends in a `FieldbookError`, never a trap.
struct PayloadDecoder {
    /// A column table entry, resolved to names.
    struct ColumnEntry {
        var table: String
        var column: String
        var keyCount: Int
    }

    var reader: WireReader
    let limits: DecodeLimits
    /// The envelope's format version: version 3 frames carry proofs and keys.
    let version: UInt8
    var strings: [String] = []
    var ids: [Bytes16] = []
    var streams: [StreamID] = []
    var columns: [ColumnEntry] = []

    /// The message of `kind` in `payload`, which must be read to its last byte.
    static func message(
        kind: MessageKind, payload: [UInt8], version: UInt8 = WireFormat.version, limits: DecodeLimits
    ) throws(FieldbookError) -> Message {
        var decoder = PayloadDecoder(reader: WireReader(payload), limits: limits, version: version)
        try decoder.readTables()
        let message = try decoder.readMessage(kind: kind)
        try decoder.reader.finish()
        return message
    }

    mutating func readTables() throws(FieldbookError) {
        let stringCount = try reader.readCount(of: "string table", minimumSize: 1)
        strings.reserveCapacity(stringCount)
        for _ in 0..<stringCount { strings.append(try reader.readString()) }

        let idCount = try reader.readCount(of: "ID table", minimumSize: 16)
        ids.reserveCapacity(idCount)
        for _ in 0..<idCount { ids.append(try reader.readBytes16()) }

        let streamCount = try reader.readCount(of: "stream table", minimumSize: 2)
        streams.reserveCapacity(streamCount)
        for _ in 0..<streamCount {
            let partition = PartitionID(try readID())
            streams.append(StreamID(partition: partition, origin: ReplicaID(try readID())))
        }

        let columnCount = try reader.readCount(of: "column table", minimumSize: 3)
        columns.reserveCapacity(columnCount)
        for _ in 0..<columnCount {
            let table = strings[try reader.readIndex(into: strings.count, of: "string")]
            let column = strings[try reader.readIndex(into: strings.count, of: "string")]
            let at = reader.offset
            let keyCount = try reader.readByte()
            guard keyCount == 1 || keyCount == 2 else {
                throw WireError.corrupt("row key of \(keyCount) IDs at byte \(at); keys hold 1 or 2")
            }
            columns.append(ColumnEntry(table: table, column: column, keyCount: Int(keyCount)))
        }
    }

    mutating func readMessage(kind: MessageKind) throws(FieldbookError) -> Message {
        switch kind {
        case .syncRequest:
            let schemaVersion = try reader.readVarint(as: UInt32.self, "schema version")
            let replica = ReplicaID(try readID())
            let clientTime = try reader.readVarint()
            let maxResponseBytes = try reader.readVarint(as: UInt32.self, "maximum response size")
            return .syncRequest(
                SyncRequest(
                    schemaVersion: schemaVersion, replica: replica, clientTime: clientTime,
                    knowledge: try readKnowledge(), batch: try readBatch(), maxResponseBytes: maxResponseBytes
                ))
        case .syncResponse:
            let server = ReplicaID(try readID())
            let serverTime = try reader.readVarint()
            let knowledge = try readKnowledge()
            let accepted = try readSummary()
            let quarantined = try readQuarantined()
            let hasMore = try reader.readBool()
            let writable = try readWritable()
            return .syncResponse(
                SyncResponse(
                    server: server, serverTime: serverTime, knowledge: knowledge, accepted: accepted,
                    quarantined: quarantined, batch: try readBatch(), hasMore: hasMore, writablePartitions: writable
                ))
        case .error:
            return .error(try readError())
        case .bundle:
            let schemaVersion = try reader.readVarint(as: UInt32.self, "schema version")
            let author = ReplicaID(try readID())
            let createdAt = try reader.readVarint()
            return .bundle(
                Bundle(
                    schemaVersion: schemaVersion, author: author, createdAt: createdAt,
                    knowledge: try readKnowledge(), batch: try readBatch()
                ))
        case .knowledge:
            let replica = ReplicaID(try readID())
            return .knowledge(KnowledgeFile(replica: replica, knowledge: try readKnowledge()))
        case .roundOpen:
            let schemaVersion = try reader.readVarint(as: UInt32.self, "schema version")
            let replica = ReplicaID(try readID())
            let clientTime = try reader.readVarint()
            let frameBytes = try reader.readVarint(as: UInt32.self, "frame size")
            let roundBytes = try reader.readVarint(as: UInt32.self, "round size")
            let knowledge = try readKnowledge()
            return .roundOpen(
                RoundOpen(
                    schemaVersion: schemaVersion, replica: replica, clientTime: clientTime, knowledge: knowledge,
                    frameBytes: frameBytes, roundBytes: roundBytes, publicKey: signs ? try readKey() : nil))
        case .changes:
            var batch = try readBatch()
            if signs { batch.proofs = try readProofs() }
            return .changes(batch)
        case .roundHead:
            let server = ReplicaID(try readID())
            let serverTime = try reader.readVarint()
            let knowledge = try readKnowledge()
            let accepted = try readSummary()
            let quarantined = try readQuarantined()
            let writable = try readWritable()
            return .roundHead(
                RoundHead(
                    server: server, serverTime: serverTime, knowledge: knowledge, accepted: accepted,
                    quarantined: quarantined, writablePartitions: writable, originKeys: signs ? try readKeys() : [:]))
        case .roundEnd:
            let hasMore = try reader.readBool()
            let frames = try reader.readVarint()
            return .roundEnd(RoundEnd(hasMore: hasMore, frames: frames, changes: try reader.readVarint()))
        case .bundleHead:
            let schemaVersion = try reader.readVarint(as: UInt32.self, "schema version")
            let author = ReplicaID(try readID())
            let createdAt = try reader.readVarint()
            let knowledge = try readKnowledge()
            let base = try readKnowledge()
            let frames = try reader.readVarint()
            let changes = try reader.readVarint()
            return .bundleHead(
                BundleHead(
                    schemaVersion: schemaVersion, author: author, createdAt: createdAt, knowledge: knowledge,
                    base: base, frames: frames, changes: changes, originKeys: signs ? try readKeys() : [:]))
        default:
            throw WireError.unknownKind(kind)
        }
    }

    /// Whether the payload's format carries proofs and keys (version 3 frames on).
    var signs: Bool { version >= 3 }

    mutating func readQuarantined() throws(FieldbookError) -> [StreamStart] {
        let count = try reader.readCount(of: "quarantine", minimumSize: 2)
        var quarantined: [StreamStart] = []
        quarantined.reserveCapacity(count)
        for _ in 0..<count {
            let stream = try readStream()
            quarantined.append(StreamStart(stream: stream, sequence: try reader.readVarint()))
        }
        return quarantined
    }

    /// A token's scope: `nil` for every partition, else sorted, distinct partitions.
    mutating func readWritable() throws(FieldbookError) -> [PartitionID]? {
        let scope = try reader.readVarint()
        guard scope > 0 else { return nil }
        guard scope - 1 <= UInt64(reader.remaining) else {
            throw WireError.corrupt("writable partition count \(scope - 1) is more than the payload can hold")
        }
        let count = Int(scope - 1)
        var writable: [PartitionID] = []
        writable.reserveCapacity(count)
        for _ in 0..<count { writable.append(PartitionID(try readID())) }
        guard writable == writable.sorted(), Set(writable).count == count else {
            throw WireError.corrupt("writable partitions are not sorted and distinct")
        }
        return writable
    }

    mutating func readError() throws(FieldbookError) -> ErrorMessage {
        let code = FieldbookError.Code(rawValue: try reader.readVarint(as: UInt16.self, "error code"))
        let message = try reader.readString()
        let serverTime = try reader.readVarint()
        let resume = try reader.readBool() ? try readRange() : nil
        let formats = Array(try reader.readLengthPrefixed())
        var schemas: ClosedRange<UInt32>?
        if try reader.readBool() {
            let at = reader.offset
            let lower = try reader.readVarint(as: UInt32.self, "lowest schema version")
            let upper = try reader.readVarint(as: UInt32.self, "highest schema version")
            guard lower <= upper else { throw WireError.corrupt("schema version range at byte \(at) is reversed") }
            schemas = lower...upper
        }
        return ErrorMessage(
            code: code, message: message, resume: resume, serverTime: serverTime, supportedFormats: formats,
            supportedSchemas: schemas
        )
    }

    /// Knowledge; a partition or origin listed twice is refused, since a dictionary
    /// would silently keep only one of them.
    mutating func readKnowledge() throws(FieldbookError) -> Knowledge {
        let partitionCount = try reader.readCount(of: "partition", minimumSize: 2)
        var vectors: [PartitionID: VersionVector] = [:]
        for _ in 0..<partitionCount {
            let at = reader.offset
            let partition = PartitionID(try readID())
            let entryCount = try reader.readCount(of: "vector entry", minimumSize: 2)
            var entries: [ReplicaID: UInt64] = [:]
            for _ in 0..<entryCount {
                let entryAt = reader.offset
                let origin = ReplicaID(try readID())
                guard entries.updateValue(try reader.readVarint(), forKey: origin) == nil else {
                    throw WireError.corrupt("origin listed twice in a version vector at byte \(entryAt)")
                }
            }
            guard vectors.updateValue(VersionVector(entries), forKey: partition) == nil else {
                throw WireError.corrupt("partition listed twice in knowledge at byte \(at)")
            }
        }
        return Knowledge(vectors)
    }

    mutating func readSummary() throws(FieldbookError) -> MergeSummary {
        MergeSummary(
            applied: try reader.readVarint(as: UInt32.self, "applied count"),
            superseded: try reader.readVarint(as: UInt32.self, "superseded count"),
            duplicates: try reader.readVarint(as: UInt32.self, "duplicate count"),
            conflicts: try reader.readVarint(as: UInt32.self, "conflict count"),
            quarantined: try reader.readVarint(as: UInt32.self, "quarantined count"),
            unknown: try reader.readVarint(as: UInt32.self, "unknown count")
        )
    }

    mutating func readID() throws(FieldbookError) -> Bytes16 {
        ids[try reader.readIndex(into: ids.count, of: "ID")]
    }

    mutating func readStream() throws(FieldbookError) -> StreamID {
        streams[try reader.readIndex(into: streams.count, of: "stream")]
    }

    mutating func readRange() throws(FieldbookError) -> StreamRange {
        let stream = try readStream()
        let after = try reader.readVarint()
        return StreamRange(stream: stream, after: after, through: after &+ (try reader.readVarint()))
    }
}
