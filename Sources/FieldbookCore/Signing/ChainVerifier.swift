/// Checks that a range of changes is exactly what its origin signed, before anything of
/// it merges: pure, no I/O, the same on the server, on laptops and for bundles.
///
/// From the chain head the receiver holds (or the chain's genesis), it folds in the
/// digest of every following sequence, from a carried change or from the proof's digests,
/// up to the certificate's end, and compares the result with the signed head. A change
/// altered, added, dropped, moved to another sequence or replayed into another stream
/// changes the head; a range claiming more than the origin signed has no certificate.
public enum ChainVerifier {
    /// What a verified range leaves the receiver: the chain head after every sequence it
    /// checked, so the receiver can keep the head at whatever sequence its merge reaches
    /// (a quarantine can stop it early), and the digests to keep for relaying.
    public struct Verification: Sendable {
        /// The stream's chain start, from the certificate.
        public var base: UInt64
        /// The certificate that proved the range (`nil` when nothing was proven).
        public var certificate: StreamCertificate?
        /// Sequences taken on the sender's word: history from before the origin signed,
        /// accepted only from a sender trusted with it. `nil` when every merged sequence
        /// was proven.
        public var unproven: ClosedRange<UInt64>?
        /// The sequence `heads` and `digests` start after.
        var start: UInt64
        /// The head at `start`.
        var startHead: Hash256?
        /// The head after `start + 1 + i`.
        var heads: [Hash256] = []
        /// The digest of `start + 1 + i`.
        var digests: [Hash256] = []
        /// Whether `start + 1 + i` came as a digest, not as a change.
        var given: [Bool] = []

        /// The chain head after `sequence`, when the verification computed it.
        public func head(at sequence: UInt64) -> Hash256? {
            if sequence == start { return startHead }
            guard sequence > start, sequence - start <= UInt64(heads.count) else {
                return sequence == certificate?.through ? certificate?.head : nil
            }
            return heads[Int(sequence - start - 1)]
        }

        /// The digests a receiver that merged up to `sequence` keeps to prove the stream
        /// when it relays it: of the changes that came only as digests (compacted by the
        /// sender), and of every sequence after `sequence` up to the certificate's end (it
        /// holds none of those changes yet).
        public func digestsToKeep(reached sequence: UInt64) -> [SequenceDigest] {
            digests.indices.compactMap { index in
                let position = start + 1 + UInt64(index)
                guard given[index] || position > sequence else { return nil }
                return SequenceDigest(sequence: position, digest: digests[index])
            }
        }
    }

    /// Verifies one range of a batch.
    ///
    /// - Parameters:
    ///   - range: the batch's range for the stream (already checked against itself by
    ///     the merge's validation).
    ///   - changes: the batch's changes of this stream, in sequence order.
    ///   - proof: the proof the sender gave, if any.
    ///   - state: what the receiver holds of the stream.
    ///   - key: the origin's public key, when the receiver knows it.
    ///   - trustsUnproven: whether the sender is trusted with history from before its
    ///     origin signed (the server, for a laptop; the origin itself or the office, for
    ///     the server). Nothing signed is ever taken on trust.
    ///   - relaysUnsigned: whether the sender is also trusted to relay a continuation it
    ///     cannot prove of a chain this replica holds the head of (the office, relaying
    ///     a laptop's changes it got before certificates travelled with them). The head
    ///     is forgotten then, until a range ends on a certificate again. A proof that is
    ///     given is checked all the same.
    /// - Throws: `.forged` naming the stream and what does not hold; nothing is merged.
    public static func verify(
        _ range: StreamRange, changes: some Collection<Change>, proof: StreamProof?, state: ChainState,
        key: OriginPublicKey?, trustsUnproven: Bool, relaysUnsigned: Bool = false
    ) throws -> Verification {
        let stream = range.stream
        guard range.through > state.held else {
            return Verification(base: state.base, unproven: nil, start: state.held, startHead: state.head)
        }
        guard let proof, let key else {
            // Nothing to check against: the origin had no key when it wrote these, or the
            // receiver does not know it. Only history from before signing may come so.
            guard state.head == nil || relaysUnsigned, trustsUnproven else {
                throw forged(
                    stream,
                    key == nil
                        ? "come from a replica whose key this replica does not know"
                        : "come without their origin's signature")
            }
            return Verification(
                base: state.base, unproven: state.held + 1...range.through, start: state.held, startHead: nil)
        }
        let certificate = proof.certificate
        guard certificate.stream == stream, certificate.through >= range.through else {
            throw forged(stream, "reach #\(range.through), beyond what their origin signed")
        }
        guard certificate.isSigned(by: key) else {
            throw forged(stream, "carry a signature that is not their origin's")
        }

        var verification = Verification(base: certificate.base, certificate: certificate, start: state.held)
        var head: Hash256
        if let held = state.head {
            guard state.base == certificate.base else {
                throw forged(stream, "belong to another chain than the one this replica holds")
            }
            head = held
        } else if state.held <= certificate.base {
            // A new stream, or one whose older history predates signing: the chain starts
            // at its base; what lies below it can only be taken on trust.
            if state.held < certificate.base {
                guard trustsUnproven else {
                    throw forged(stream, "reach back to #\(state.held + 1), before their origin signed")
                }
                verification.unproven = state.held + 1...certificate.base
            }
            verification.start = certificate.base
            head = StreamChain.genesis(of: stream, base: certificate.base)
        } else {
            // Held beyond the base with no head: merged before this replica checked
            // chains. The signed head can be taken where the range ends exactly on it.
            guard trustsUnproven else {
                throw forged(stream, "continue history this replica cannot check; sync with the server first")
            }
            verification.unproven = state.held + 1...range.through
            return verification
        }
        verification.startHead = head

        var carried = changes.makeIterator()
        var nextChange = carried.next()
        var given = proof.digests.makeIterator()
        var nextDigest = given.next()
        var lastCarried: UInt64 = 0
        var sequence = verification.start
        let count = Int(certificate.through - verification.start)
        verification.heads.reserveCapacity(count)
        verification.digests.reserveCapacity(count)
        verification.given.reserveCapacity(count)
        while sequence < certificate.through {
            sequence += 1
            while let change = nextChange, change.sequence < sequence {
                guard change.sequence > lastCarried else { throw forged(stream, "are out of sequence order") }
                lastCarried = change.sequence
                nextChange = carried.next()
            }
            while let digest = nextDigest, digest.sequence < sequence { nextDigest = given.next() }
            let digest: Hash256
            if let change = nextChange, change.sequence == sequence {
                digest = change.digest
                lastCarried = sequence
                nextChange = carried.next()
                verification.given.append(false)
            } else if let given = nextDigest, given.sequence == sequence {
                digest = given.digest
                verification.given.append(true)
            } else {
                throw forged(stream, "leave out #\(sequence) without proof of it")
            }
            head = StreamChain.link(head, digest)
            verification.heads.append(head)
            verification.digests.append(digest)
        }
        guard head == certificate.head else {
            throw forged(stream, "are not what their origin signed (altered, added, dropped or reordered)")
        }
        return verification
    }

    static func forged(_ stream: StreamID, _ what: String) -> FieldbookError {
        FieldbookError(
            .forged,
            "the changes of replica \(stream.origin.short) in \(stream.partition) \(what); they were refused, nothing of them merged"
        )
    }
}
