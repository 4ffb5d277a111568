import FieldbookCore
import FieldbookTestSupport
import Testing

/// A stream's hash chain and its origin's certificates, checked as a receiver would: an
/// honest range verifies from any starting point, and every kind of forgery a relay or a
/// hostile laptop could try is refused as `forged`.
struct ChainVerifierTests {
    typealias M = Make

    /// An origin with a key and its stream of `count` changes, with the true chain heads.
    struct Origin {
        let key = OriginSigningKey()
        let stream: StreamID
        let base: UInt64
        var changes: [Change] = []
        /// heads[i]: the head after sequence base + i (heads[0] is the genesis).
        var heads: [Hash256]

        init(count: Int, base: UInt64 = 0, origin: ReplicaID = M.a, partition: PartitionID = M.cohort) {
            stream = StreamID(partition: partition, origin: origin)
            self.base = base
            heads = [StreamChain.genesis(of: stream, base: base)]
            for sequence in base + 1...base + UInt64(count) {
                let change = M.change(
                    M.cell(sequence % 7, sequence % 2 == 0 ? "status" : "remark"), .text("v\(sequence)"),
                    at: M.stamp(1_000 + sequence, origin), sequence: sequence, partition: partition)
                changes.append(change)
                heads.append(StreamChain.link(heads.last!, change.digest))
            }
        }

        func change(_ sequence: UInt64) -> Change { changes[Int(sequence - base - 1)] }
        func head(_ sequence: UInt64) -> Hash256 { heads[Int(sequence - base)] }

        func certificate(through: UInt64) -> StreamCertificate {
            StreamCertificate(stream: stream, base: base, through: through, head: head(through), signedWith: key)
        }

        /// A proof for `(after, through]` with a certificate at `signed`, carrying every
        /// change of the range except `omitted` (whose digests the proof gives instead).
        func batch(after: UInt64, through: UInt64, signed: UInt64? = nil, omitted: Set<UInt64> = [])
            -> (range: StreamRange, changes: [Change], proof: StreamProof)
        {
            let signed = signed ?? through
            let carried = (after + 1...max(after + 1, through)).filter { $0 <= through && !omitted.contains($0) }
            let digests = (after + 1...max(after + 1, signed)).filter { $0 <= signed && !carried.contains($0) }
                .map { SequenceDigest(sequence: $0, digest: change($0).digest) }
            return (
                StreamRange(stream: stream, after: after, through: through), carried.map(change),
                StreamProof(certificate: certificate(through: signed), digests: digests)
            )
        }

        func verify(
            _ batch: (range: StreamRange, changes: [Change], proof: StreamProof), state: ChainState = .empty,
            key: OriginPublicKey? = nil, trusted: Bool = false
        ) throws -> ChainVerifier.Verification {
            try ChainVerifier.verify(
                batch.range, changes: batch.changes, proof: batch.proof, state: state, key: key ?? self.key.publicKey,
                trustsUnproven: trusted)
        }
    }

    static func expectForged(
        _ body: () throws -> ChainVerifier.Verification, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let error = #expect(throws: FieldbookError.self, sourceLocation: sourceLocation) { _ = try body() }
        #expect(error?.code == .forged, "\(error?.message ?? "no error")", sourceLocation: sourceLocation)
    }

    // MARK: Honest ranges

    @Test func honestRangeFromNothingVerifiesAndGivesEveryHead() throws {
        let origin = Origin(count: 20)
        let verification = try origin.verify(origin.batch(after: 0, through: 20))
        #expect(verification.unproven == nil)
        for sequence in UInt64(0)...20 { #expect(verification.head(at: sequence) == origin.head(sequence)) }
    }

    @Test func compactedChangesAreProvenByTheirDigests() throws {
        let origin = Origin(count: 20)
        let verification = try origin.verify(origin.batch(after: 0, through: 20, omitted: [3, 4, 11, 20]))
        #expect(verification.head(at: 20) == origin.head(20))
        #expect(verification.digestsToKeep(reached: 20).map(\.sequence) == [3, 4, 11, 20], "a relay keeps them")
    }

    @Test func rangeEndingBeforeItsCertificateIsProvenByTheTail() throws {
        let origin = Origin(count: 30)
        let first = try origin.verify(origin.batch(after: 0, through: 12, signed: 30))
        #expect(first.head(at: 12) == origin.head(12))
        #expect(first.digestsToKeep(reached: 12).map(\.sequence) == Array(13...30))
        // The next range continues from the head the first one left.
        let state = ChainState(base: 0, held: 12, head: first.head(at: 12))
        let second = try origin.verify(origin.batch(after: 12, through: 30), state: state)
        #expect(second.head(at: 30) == origin.head(30))
    }

    @Test func aStopInsideTheRangeKeepsAHeadToContinueFrom() throws {
        // A quarantine stops the merge at #7: the receiver keeps the head there.
        let origin = Origin(count: 15)
        let verification = try origin.verify(origin.batch(after: 0, through: 15))
        let state = ChainState(base: 0, held: 7, head: verification.head(at: 7))
        #expect(try origin.verify(origin.batch(after: 7, through: 15), state: state).head(at: 15) == origin.head(15))
    }

    @Test func aRangeStartingBelowWhatIsHeldSkipsTheDuplicates() throws {
        let origin = Origin(count: 10)
        let state = ChainState(base: 0, held: 6, head: origin.head(6))
        #expect(try origin.verify(origin.batch(after: 2, through: 10), state: state).head(at: 10) == origin.head(10))
    }

    // MARK: Forgeries

    @Test(arguments: ["value", "stamp", "previous", "column", "key", "table", "partition", "sequence"])
    func anAlteredFieldIsForged(_ field: String) {
        let origin = Origin(count: 10)
        var batch = origin.batch(after: 0, through: 10)
        var change = batch.changes[4]
        switch field {
        case "value": change.value = .text("absent")
        case "stamp": change.stamp.time = HLC(rawValue: change.stamp.time.rawValue + 1)
        case "previous": change.previous = M.stamp(5, M.b)
        case "column": change.column = "other"
        case "key": change.key = M.cell(99).key
        case "table": change.table = "participants"
        case "partition": change.partition = .shared
        default: change.sequence = 11
        }
        batch.changes[4] = change
        Self.expectForged { try origin.verify(batch) }
    }

    @Test func aDroppedChangeWithoutItsDigestIsForged() {
        let origin = Origin(count: 10)
        var batch = origin.batch(after: 0, through: 10)
        batch.changes.remove(at: 3)
        Self.expectForged { try origin.verify(batch) }
    }

    @Test func aChangeInsertedInPlaceOfADigestIsForged() {
        let origin = Origin(count: 10)
        var batch = origin.batch(after: 0, through: 10, omitted: [5])
        batch.changes.insert(M.change(M.cell(1), .text("invented"), at: M.stamp(1_005, M.a), sequence: 5), at: 4)
        Self.expectForged { try origin.verify(batch) }
    }

    @Test func swappedChangesAreForged() {
        let origin = Origin(count: 10)
        var batch = origin.batch(after: 0, through: 10)
        (batch.changes[2].sequence, batch.changes[3].sequence) = (4, 3)
        batch.changes.swapAt(2, 3)
        Self.expectForged { try origin.verify(batch) }
    }

    @Test func aRangeBeyondItsCertificateIsForged() {
        let origin = Origin(count: 10)
        var batch = origin.batch(after: 0, through: 10)
        batch.proof = StreamProof(certificate: origin.certificate(through: 8))
        Self.expectForged { try origin.verify(batch) }
    }

    @Test func aCertificateSignedByAnotherKeyIsForged() {
        let origin = Origin(count: 10)
        let impostor = OriginSigningKey()
        var batch = origin.batch(after: 0, through: 10)
        let honest = batch.proof.certificate
        batch.proof.certificate = StreamCertificate(
            stream: honest.stream, base: 0, through: 10, head: honest.head, signedWith: impostor)
        Self.expectForged { try origin.verify(batch) }
        // Nor does the impostor's own key make it the origin's.
        Self.expectForged { try origin.verify(batch, key: OriginSigningKey().publicKey) }
    }

    @Test func aCertificateOfAnotherStreamIsForged() {
        let origin = Origin(count: 10)
        let other = Origin(count: 10, partition: .shared)
        var batch = origin.batch(after: 0, through: 10)
        batch.proof.certificate = other.certificate(through: 10)
        Self.expectForged { try origin.verify(batch) }
    }

    @Test func aChainReplayedIntoAnotherStreamIsForged() {
        // The same changes relabelled with another partition: digests and genesis differ.
        let origin = Origin(count: 5)
        let relabelled = Origin(count: 5, partition: .shared)
        var batch = relabelled.batch(after: 0, through: 5)
        batch.proof.certificate = StreamCertificate(
            stream: relabelled.stream, base: 0, through: 5, head: origin.head(5), signedWith: origin.key)
        Self.expectForged { try relabelled.verify(batch, key: origin.key.publicKey) }
    }

    @Test func aHeadFromAnotherChainIsForged() {
        let origin = Origin(count: 10)
        let state = ChainState(base: 0, held: 4, head: Hash256.of([1, 2, 3]))
        Self.expectForged { try origin.verify(origin.batch(after: 4, through: 10), state: state) }
    }

    @Test func noProofIsForgedOnceTheChainIsKnownEvenFromATrustedSender() {
        let origin = Origin(count: 10)
        let state = ChainState(base: 0, held: 4, head: origin.head(4))
        let batch = origin.batch(after: 4, through: 10)
        Self.expectForged {
            try ChainVerifier.verify(
                batch.range, changes: batch.changes, proof: nil, state: state, key: origin.key.publicKey,
                trustsUnproven: true)
        }
    }

    @Test func aTrustedRelayMayContinueUnsignedAndTheHeadIsForgotten() throws {
        let origin = Origin(count: 10)
        let state = ChainState(base: 0, held: 4, head: origin.head(4))
        let batch = origin.batch(after: 4, through: 10)
        let relayed = try ChainVerifier.verify(
            batch.range, changes: batch.changes, proof: nil, state: state, key: origin.key.publicKey,
            trustsUnproven: true, relaysUnsigned: true)
        #expect(relayed.unproven == 5...10)
        #expect(relayed.head(at: 10) == nil, "a head kept past unchecked changes would refuse the next proof")
        // A relay that gives a proof is held to it.
        var altered = batch.changes
        altered[1].value = .text("forged")
        Self.expectForged {
            try ChainVerifier.verify(
                batch.range, changes: altered, proof: batch.proof, state: state, key: origin.key.publicKey,
                trustsUnproven: true, relaysUnsigned: true)
        }
        // Relaying is a trust of its own: an untrusted sender gets nothing from the flag.
        Self.expectForged {
            try ChainVerifier.verify(
                batch.range, changes: batch.changes, proof: nil, state: state, key: origin.key.publicKey,
                trustsUnproven: false, relaysUnsigned: true)
        }
    }

    // MARK: History from before signing

    @Test func unsignedHistoryIsTakenOnlyFromATrustedSender() throws {
        let origin = Origin(count: 10)
        let batch = origin.batch(after: 0, through: 10)
        let taken = try ChainVerifier.verify(
            batch.range, changes: batch.changes, proof: nil, state: .empty, key: nil, trustsUnproven: true)
        #expect(taken.unproven == 1...10)
        #expect(taken.head(at: 10) == nil)
        Self.expectForged {
            try ChainVerifier.verify(
                batch.range, changes: batch.changes, proof: nil, state: .empty, key: nil, trustsUnproven: false)
        }
    }

    @Test func historyBelowTheBaseIsTrustedAndTheRestProven() throws {
        // The origin signed from #20 on (it had written 20 changes before it had a key).
        let origin = Origin(count: 10, base: 20)
        let legacy = (1...20).map {
            M.change(M.cell($0), .text("old"), at: M.stamp($0, M.a), sequence: $0, partition: M.cohort)
        }
        let signed = origin.batch(after: 20, through: 30)
        let range = StreamRange(stream: origin.stream, after: 0, through: 30)
        let verification = try ChainVerifier.verify(
            range, changes: legacy + signed.changes, proof: signed.proof, state: .empty, key: origin.key.publicKey,
            trustsUnproven: true)
        #expect(verification.unproven == 1...20)
        #expect(verification.head(at: 30) == origin.head(30))
        Self.expectForged {
            try ChainVerifier.verify(
                range, changes: legacy + signed.changes, proof: signed.proof, state: .empty, key: origin.key.publicKey,
                trustsUnproven: false)
        }
        // Signed changes below the base are still refused when altered.
        var altered = signed.changes
        altered[2].value = .text("forged")
        Self.expectForged {
            try ChainVerifier.verify(
                range, changes: legacy + altered, proof: signed.proof, state: .empty, key: origin.key.publicKey,
                trustsUnproven: true)
        }
    }

    @Test func aTrustedRangeEndingOnItsCertificateGivesTheSignedHead() throws {
        // Held #25 from before this replica checked chains: the signed head at #30 is
        // taken from the trusted sender, and what follows is proven from it.
        let origin = Origin(count: 40)
        let state = ChainState(base: 0, held: 25, head: nil)
        let verification = try origin.verify(origin.batch(after: 25, through: 30), state: state, trusted: true)
        #expect(verification.unproven == 26...30)
        #expect(verification.head(at: 30) == origin.head(30))
        Self.expectForged { try origin.verify(origin.batch(after: 25, through: 30), state: state) }
    }

    // MARK: Randomized relays

    /// A relay that compacted some changes passes the stream on in frames of random sizes,
    /// cut anywhere, with certificates wherever the origin signed, and merges that stop
    /// early: the receiver's head always equals the origin's at the same sequence, and a
    /// single altered change in any frame is refused.
    @Test(arguments: Seeds.list(default: 40))
    func randomRelaysVerifyAndAnyTamperingIsRefused(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let count = Int.random(in: 20...300, using: &random)
        let origin = Origin(count: count)
        var signedAt: [UInt64] = []
        var next: UInt64 = 0
        while next < UInt64(count) {
            next = min(UInt64(count), next + UInt64.random(in: 1...64, using: &random))
            signedAt.append(next)
        }
        let compacted = Set((1...UInt64(count)).filter { _ in Int.random(in: 0..<4, using: &random) == 0 })
        var state = ChainState.empty
        var frames = 0
        while state.held < UInt64(count) {
            frames += 1
            let through = UInt64.random(in: state.held + 1...UInt64(count), using: &random)
            let signed = signedAt.first { $0 >= through }!
            let batch = origin.batch(after: state.held, through: through, signed: signed, omitted: compacted)
            if Int.random(in: 0..<5, using: &random) == 0, !batch.changes.isEmpty {
                var tampered = batch
                let index = Int.random(in: 0..<tampered.changes.count, using: &random)
                tampered.changes[index].value = .text("tampered")
                Self.expectForged { try origin.verify(tampered, state: state) }
            }
            let verification = try origin.verify(batch, state: state)
            let reached = UInt64.random(in: state.held...through, using: &random)
            let head = verification.head(at: reached)
            #expect(
                head == origin.head(reached),
                "seed \(seed): head at #\(reached); \(Seeds.replay(seed, filter: "randomRelays"))")
            state = ChainState(base: 0, held: reached, head: head)
            #expect(frames < 10 * count, "seed \(seed): no progress")
        }
    }
}
