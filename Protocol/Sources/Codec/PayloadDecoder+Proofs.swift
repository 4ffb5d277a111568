import FieldbookCore

extension PayloadDecoder {
    /// The size of an Ed25519 signature, the only kind a certificate carries.
    static let signatureSize = 64

    /// A public key, or `nil` for length 0.
    mutating func readKey() throws(FieldbookError) -> OriginPublicKey? {
        let at = reader.offset
        let raw = try reader.readLengthPrefixed()
        guard !raw.isEmpty else { return nil }
        return try Self.key(raw, at: at)
    }

    /// Origins' public keys, in ascending origin order, each origin once.
    mutating func readKeys() throws(FieldbookError) -> [ReplicaID: OriginPublicKey] {
        let count = try reader.readCount(of: "key", minimumSize: 33)
        var keys: [ReplicaID: OriginPublicKey] = [:]
        var last: ReplicaID?
        for _ in 0..<count {
            let at = reader.offset
            let origin = ReplicaID(try readID())
            guard last.map({ $0 < origin }) ?? true else {
                throw WireError.corrupt("origin keys at byte \(at) are not in ascending origin order")
            }
            last = origin
            keys[origin] = try Self.key(try reader.readRaw(count: 32), at: at)
        }
        return keys
    }

    /// A change frame's proofs; each certificate's digests must name sequences in
    /// ascending order within the certificate, and a stream has one proof at most.
    mutating func readProofs() throws(FieldbookError) -> [StreamProof] {
        let count = try reader.readCount(of: "proof", minimumSize: 100)
        var proofs: [StreamProof] = []
        proofs.reserveCapacity(count)
        var proven: Set<StreamID> = []
        for _ in 0..<count {
            let at = reader.offset
            let stream = try readStream()
            guard proven.insert(stream).inserted else {
                throw WireError.corrupt("a second proof for one stream at byte \(at)")
            }
            let base = try reader.readVarint()
            let length = try reader.readVarint()
            guard length <= UInt64.max - base else {
                throw WireError.corrupt("certificate at byte \(at) ends past the last sequence")
            }
            let head = Hash256(bytes: try reader.readRaw(count: 32))!
            let signature = Array(try reader.readRaw(count: Self.signatureSize))
            let certificate = StreamCertificate(
                stream: stream, base: base, through: base + length, head: head, signature: signature)

            let digestCount = try reader.readCount(of: "digest", minimumSize: 33)
            var digests: [SequenceDigest] = []
            digests.reserveCapacity(digestCount)
            var last = base
            for _ in 0..<digestCount {
                let digestAt = reader.offset
                let step = try reader.readVarint()
                guard step > 0, step <= certificate.through - last else {
                    throw WireError.corrupt(
                        "digest at byte \(digestAt) is out of order or beyond its certificate's end")
                }
                last += step
                digests.append(SequenceDigest(sequence: last, digest: Hash256(bytes: try reader.readRaw(count: 32))!))
            }
            proofs.append(StreamProof(certificate: certificate, digests: digests))
        }
        return proofs
    }

    private static func key(_ raw: ArraySlice<UInt8>, at offset: Int) throws(FieldbookError) -> OriginPublicKey {
        do {
            return try OriginPublicKey(rawRepresentation: Array(raw))
        } catch {
            throw WireError.corrupt("public key at byte \(offset) is not an Ed25519 key (\(raw.count) bytes)")
        }
    }
}
