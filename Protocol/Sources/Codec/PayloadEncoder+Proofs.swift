import FieldbookCore

extension PayloadEncoder {
    /// A replica's public key: its length (0 for none), then its 32 bytes.
    mutating func encode(key: OriginPublicKey?) {
        body.append(lengthPrefixed: key?.rawRepresentation ?? [])
    }

    /// Origins' public keys: a count, then each origin's ID index and its 32 bytes, in
    /// origin ID order (a dictionary has no order of its own).
    mutating func encode(keys: [ReplicaID: OriginPublicKey]) {
        body.append(varint: UInt64(keys.count))
        for origin in keys.keys.sorted() {
            append(id: origin.rawValue)
            body.append(raw: keys[origin]!.rawRepresentation)
        }
    }

    /// A change frame's proofs (PROTOCOL.md, "Proofs"): for each, the stream, the
    /// certificate's base and length, its head and signature as raw bytes, then the
    /// digests of the sequences the frame does not carry, each as the distance from the
    /// one before (from the base for the first) and its 32 bytes.
    mutating func encode(proofs: [StreamProof]) {
        body.append(varint: UInt64(proofs.count))
        for proof in proofs {
            let certificate = proof.certificate
            append(stream: certificate.stream)
            body.append(varint: certificate.base)
            body.append(varint: certificate.through &- certificate.base)
            body.append(raw: certificate.head.bytes)
            body.append(raw: certificate.signature)
            body.append(varint: UInt64(proof.digests.count))
            var last = certificate.base
            for digest in proof.digests {
                body.append(varint: digest.sequence &- last)
                body.append(raw: digest.digest.bytes)
                last = digest.sequence
            }
        }
    }
}
