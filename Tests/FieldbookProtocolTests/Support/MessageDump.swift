import FieldbookCore
import FieldbookProtocol
import Foundation

/// A message written out field by field, in wire order, for the header of a golden
/// vector: what a reader in another language should decode from the bytes below it.
enum MessageDump {
    static func lines(_ message: Message) -> [String] {
        var out = ["kind: \(message.kind) (\(message.kind.rawValue))"]
        switch message {
        case .syncRequest(let request):
            out += [
                "schemaVersion: \(request.schemaVersion)", "replica: \(request.replica)",
                "clientTime: \(request.clientTime)", "maxResponseBytes: \(request.maxResponseBytes)",
            ]
            out += knowledge(request.knowledge) + batch(request.batch)
        case .syncResponse(let response):
            let summary = response.accepted
            out += [
                "server: \(response.server)", "serverTime: \(response.serverTime)",
            ]
            out += knowledge(response.knowledge)
            out.append(Self.summary(summary))
            out.append("quarantined: \(response.quarantined.count)")
            out += response.quarantined.map { "  \(stream($0.stream)) from #\($0.sequence)" }
            out.append("hasMore: \(response.hasMore)")
            out.append(
                "writable: "
                    + (response.writablePartitions.map { $0.map(\.rawValue.hex).joined(separator: ", ") } ?? "all"))
            out += batch(response.batch)
        case .error(let error):
            out += [
                "code: \(error.code.rawValue) (\(error.code))", "message: \(error.message)",
                "serverTime: \(error.serverTime)", "resume: \(error.resume.map(range) ?? "none")",
                "supportedFormats: \(error.supportedFormats)",
                "supportedSchemas: \(error.supportedSchemas.map { "\($0.lowerBound)...\($0.upperBound)" } ?? "none")",
            ]
        case .bundle(let bundle):
            out += [
                "schemaVersion: \(bundle.schemaVersion)", "author: \(bundle.author)",
                "createdAt: \(bundle.createdAt)",
            ]
            out += knowledge(bundle.knowledge) + batch(bundle.batch)
        case .knowledge(let file):
            out += ["replica: \(file.replica)"] + knowledge(file.knowledge)
        case .roundOpen(let open):
            out += [
                "schemaVersion: \(open.schemaVersion)", "replica: \(open.replica)", "clientTime: \(open.clientTime)",
                "frameBytes: \(open.frameBytes)", "roundBytes: \(open.roundBytes)",
            ]
            out += knowledge(open.knowledge)
            out.append("publicKey: " + (open.publicKey.map { hex($0.rawRepresentation) } ?? "none"))
        case .changes(let changes):
            out += batch(changes) + proofs(changes.proofs)
        case .roundHead(let head):
            out += ["server: \(head.server)", "serverTime: \(head.serverTime)"] + knowledge(head.knowledge)
            out.append(summary(head.accepted))
            out.append("quarantined: \(head.quarantined.count)")
            out += head.quarantined.map { "  \(stream($0.stream)) from #\($0.sequence)" }
            out.append(
                "writable: " + (head.writablePartitions.map { $0.map(\.rawValue.hex).joined(separator: ", ") } ?? "all")
            )
            out += keys(head.originKeys)
        case .roundEnd(let end):
            out += ["hasMore: \(end.hasMore)", "frames: \(end.frames)", "changes: \(end.changes)"]
        case .bundleHead(let head):
            out += [
                "schemaVersion: \(head.schemaVersion)", "author: \(head.author)", "createdAt: \(head.createdAt)",
            ]
            out += knowledge(head.knowledge) + ["base:"] + knowledge(head.base).map { "  " + $0 }
            out += ["frames: \(head.frames)", "changes: \(head.changes)"]
            out += keys(head.originKeys)
        }
        return out
    }

    static func summary(_ summary: MergeSummary) -> String {
        "accepted: applied \(summary.applied), superseded \(summary.superseded), "
            + "duplicates \(summary.duplicates), conflicts \(summary.conflicts), "
            + "quarantined \(summary.quarantined), unknown \(summary.unknown)"
    }

    static func knowledge(_ knowledge: Knowledge) -> [String] {
        ["knowledge: \(knowledge.partitions.count) partitions"]
            + knowledge.partitions.map { partition in
                let vector = knowledge[partition]
                let entries = vector.origins.map { "\($0) → \(vector[$0])" }.joined(separator: ", ")
                return "  \(partition.rawValue.hex): \(entries)"
            }
    }

    static func batch(_ batch: ChangeBatch) -> [String] {
        ["ranges: \(batch.ranges.count)"] + batch.ranges.map { "  " + range($0) }
            + ["changes: \(batch.changes.count)"]
            + batch.changes.map { change in
                let key = change.key.parts.map(\.rawValue.hex).joined(separator: "/")
                let previous = change.previous.map { "\($0.time.milliseconds).\($0.time.counter)@\($0.origin)" }
                return "  #\(change.sequence) \(stream(change.stream)) \(change.table).\(change.column)[\(key)] = "
                    + "\(value(change.value)) at \(change.stamp.time.milliseconds).\(change.stamp.time.counter) "
                    + "previous \(previous ?? "none")"
            }
    }

    static func keys(_ keys: [ReplicaID: OriginPublicKey]) -> [String] {
        ["originKeys: \(keys.count)"] + keys.keys.sorted().map { "  \($0): \(hex(keys[$0]!.rawRepresentation))" }
    }

    static func proofs(_ proofs: [StreamProof]) -> [String] {
        guard !proofs.isEmpty else { return [] }
        return ["proofs: \(proofs.count)"]
            + proofs.flatMap { proof in
                let certificate = proof.certificate
                return [
                    "  \(stream(certificate.stream)) base \(certificate.base) through \(certificate.through)",
                    "    head \(certificate.head.hex)",
                    "    signature \(hex(certificate.signature))",
                ] + proof.digests.map { "    digest #\($0.sequence) \($0.digest.hex)" }
            }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static func stream(_ stream: StreamID) -> String {
        "stream(\(stream.partition.rawValue.hex), \(stream.origin))"
    }

    static func range(_ range: StreamRange) -> String {
        "\(stream(range.stream)) after \(range.after) through \(range.through)"
    }

    static func value(_ value: Value) -> String {
        switch value {
        case .null: "null"
        case .integer(let integer): "integer(\(integer))"
        case .real(let real): "real(\(real))"
        case .text(let text): "text(\(text.debugDescription))"
        case .blob(let blob): "blob(\(blob.map { String(format: "%02x", $0) }.joined()))"
        }
    }
}
