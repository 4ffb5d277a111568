import FieldbookCore
import FieldbookProtocol
import FieldbookStore

extension Fieldbook {
    /// What importing a bundle did.
    public struct BundleImport: Sendable, Codable {
        /// The replica that wrote the bundle.
        public var author: ReplicaID
        /// Frames of changes merged (1 for a single-envelope bundle of format version 1).
        public var frames: Int
        /// Changes newly taken in.
        public var received: Int
        /// Changes this replica already held.
        public var duplicates: Int
        /// Concurrent losers written to the conflict ledger.
        public var conflicts: Int
        /// Changes held back because the author's clock was too far ahead.
        public var quarantined: Int

        init(author: ReplicaID) {
            self.author = author
            frames = 0
            received = 0
            duplicates = 0
            conflicts = 0
            quarantined = 0
        }

        mutating func add(_ report: BatchMerger.Report) {
            received += report.received
            duplicates += report.duplicates
            conflicts += report.conflicts
            quarantined += report.quarantined
        }
    }

    /// Merges a bundle frame by frame, consecutive frames together in transactions of up
    /// to 256 KB of changes; importing the same bundle again, or a longer one, merges only
    /// what is not held yet.
    ///
    /// A file cut short or damaged keeps the whole frames before the damage, and the error
    /// says how far it got: "bundle is cut short after frame 12 of 40: 1830 changes
    /// merged; …". A single-envelope bundle of format version 1 (written by earlier
    /// builds) is merged as before, all or nothing.
    ///
    /// - Throws: `.corrupt` for a damaged or truncated file (after merging the frames before
    ///   the damage), `.unsupportedVersion` for a bundle from an incompatible Fieldbook,
    ///   `.sequenceGap` when the bundle was made for a replica that holds more than this
    ///   one (nothing is merged then), `.invalidInput` for another kind of file.
    public func importBundle(_ bytes: [UInt8]) throws -> BundleImport {
        if bytes.count > 4, bytes[4] == WireFormat.version, bytes.starts(with: [0x89, 0x46, 0x42, 0x4B]) {
            return try importSingleEnvelopeBundle(bytes)
        }
        var reader = BundleReader(bytes)
        var result: BundleImport?
        // The keys the head names, pinned with the first frames that merge.
        var keys: [ReplicaID: OriginPublicKey] = [:]
        var mergedChanges = 0
        // A bundle of format 3 on is signed: its author's own streams carry certificates.
        let signed = bytes.count > 4 && bytes[4] >= 3
        // Whole frames read and not merged yet: consecutive frames share a transaction, up
        // to `groupBytes` of changes (a commit per 16 KB frame made big imports slow).
        // Whatever stops the import merges them first, so a damaged or cut file still
        // keeps every whole frame before the damage.
        var held: [ChangeBatch] = []
        var heldBytes = 0
        func mergeHeld() throws {
            guard let author = result?.author, !held.isEmpty else { return }
            let frames = held
            held = []
            heldBytes = 0
            // Every proof a bundle gives is checked, and its author's own changes must be
            // proven (`unsigned`, as each frame is read); a relayed stream may come unproven, on the author's
            // word, as before signing: its author may have got it from a server, which does
            // not pass certificates on yet. The chain head is forgotten then.
            let chains = BatchMerger.ChainCheck(
                trustsUnproven: { _ in true }, relaysUnsigned: { $0.origin != author }, keys: keys)
            do {
                result!.add(try store.mergeFrames(frames, from: author, checksEveryOrigin: true, chains: chains))
                result!.frames += frames.count
                mergedChanges += frames.reduce(0) { $0 + $1.changes.count }
            } catch let failure as FrameGroupFailure {
                result!.add(failure.merged)
                result!.frames += failure.index
                mergedChanges += frames.prefix(failure.index).reduce(0) { $0 + $1.changes.count }
                if let error = failure.error as? FieldbookError, error.code == .forged {
                    let before = mergedChanges == 0 ? "" : " (\(mergedChanges) changes of earlier frames were merged)"
                    throw FieldbookError(
                        .forged,
                        "\(error.message)\(before); the bundle was altered on its way: ask its author for a new one")
                }
                guard let error = failure.error as? FieldbookError, error.code == .sequenceGap else {
                    throw failure.error
                }
                let number = reader.framesRead - frames.count + 1 + failure.index
                throw FieldbookError(
                    .sequenceGap,
                    "\(number == 1 ? "the bundle's first frame" : "frame \(number) of the bundle") continues from changes this replica does not hold (\(mergedChanges) changes merged before it); ask for a bundle made for this replica's vector file (`fieldbook bundle vector FILE`)"
                )
            }
        }
        while true {
            let part: BundleReader.Part?
            do {
                part = try reader.next()
            } catch {
                try mergeHeld()
                throw Self.damaged(error, reader: reader, merged: mergedChanges)
            }
            guard let part else { break }
            switch part {
            case .head(let head):
                try checkFits(head)
                try checkKeys(of: head, signed: signed)
                keys = head.originKeys
                result = BundleImport(author: head.author)
            case .changes(let batch):
                // A frame of the author's own streams without its signature was stripped of
                // it: the frames before it merge, it and the rest do not.
                if signed, let author = result?.author, let range = Self.unsigned(batch, author: author) {
                    try mergeHeld()
                    throw FieldbookError(
                        .forged,
                        "the bundle's changes of its author \(author.short) in \(range.stream.partition) come without their signature; \(mergedChanges == 0 ? "nothing merged" : "nothing of them merged (\(mergedChanges) changes of earlier frames were)"); the file was altered: ask its author for a new bundle"
                    )
                }
                held.append(batch)
                heldBytes += batch.changes.reduce(0) { $0 + $1.approximateSize }
                if heldBytes >= Self.groupBytes { try mergeHeld() }
            }
        }
        try mergeHeld()
        guard let result, reader.isWhole else {
            throw Self.cutShort(reader: reader, merged: mergedChanges)
        }
        return result
    }

    /// Refuses the whole bundle (nothing merged) when its head names a key that differs
    /// from one this replica pinned for the same origin: a replica's key never changes, so
    /// the bundle poses as someone. The keys are pinned by the merges that use them.
    private func checkKeys(of head: BundleHead, signed: Bool) throws {
        for origin in head.originKeys.keys.sorted() {
            if let pinned = try store.pinnedKey(of: origin), pinned != head.originKeys[origin]! {
                throw FieldbookError(
                    .forged,
                    "the bundle presents key \(head.originKeys[origin]!) for replica \(origin.short), but this replica pinned \(pinned) for it; a replica's key never changes, so the bundle was altered: nothing merged"
                )
            }
        }
        // Without its author's key, the author's certificates could not be checked.
        if signed, head.carriedStreams.contains(where: { $0.origin == head.author }),
            head.originKeys[head.author] == nil, try store.pinnedKey(of: head.author) == nil
        {
            throw FieldbookError(
                .forged,
                "the bundle names no key for its author \(head.author.short), so its changes cannot be checked; nothing merged; the file was altered: ask its author for a new bundle"
            )
        }
    }

    /// The first range of the author's own streams that `frame` leaves without a proof:
    /// the author signs every one of them, so a missing one was stripped.
    private static func unsigned(_ frame: ChangeBatch, author: ReplicaID) -> StreamRange? {
        let proven = Set(frame.proofs.map(\.certificate.stream))
        return frame.ranges.first { $0.stream.origin == author && !proven.contains($0.stream) }
    }

    /// How many bytes of changes one import transaction takes at most.
    static let groupBytes = 256 << 10

    /// Refuses, before anything is merged, a bundle whose streams start above what this
    /// replica holds (it was made for a replica that holds more) or that this replica wrote.
    private func checkFits(_ head: BundleHead) throws {
        guard head.author != store.replicaID else {
            throw FieldbookError(.invalidInput, "this bundle was written by this replica; import it on another one")
        }
        let held = try store.knowledge()
        if let stream = head.carriedStreams.first(where: { held[$0] < head.base[$0] }) {
            throw FieldbookError(
                .sequenceGap,
                "the bundle continues from changes this replica does not hold (stream \(stream.origin.short) starts after #\(head.base[stream]), this replica holds #\(held[stream])); nothing merged; ask for a bundle made for this replica's vector file (`fieldbook bundle vector FILE`) or without --for"
            )
        }
    }

    /// The one line for a file that ends before its end frame.
    private static func cutShort(reader: BundleReader, merged: Int) -> FieldbookError {
        guard let head = reader.head else {
            return FieldbookError(
                .corrupt,
                reader.pendingBytes == 0
                    ? "the bundle file is empty; nothing merged"
                    : "the bundle is cut short inside its head frame; nothing merged; ask for the bundle again")
        }
        if reader.framesRead == 0 {
            return FieldbookError(
                .corrupt,
                "the bundle is cut short after its head, before its first frame; nothing merged; import a whole copy, or ask for a new bundle"
            )
        }
        if UInt64(reader.framesRead) == head.frames {
            return FieldbookError(
                .corrupt,
                "the bundle is cut short after its last frame (\(head.frames) of \(head.frames)): its end frame is missing, but all \(merged) changes it carries were merged"
            )
        }
        return FieldbookError(
            .corrupt,
            "the bundle is cut short after frame \(reader.framesRead) of \(head.frames): \(merged) of its \(head.changes) changes merged; import a whole copy, or ask for a new bundle, to get the rest"
        )
    }

    /// The one line for a file damaged at some frame: what was merged before it.
    private static func damaged(_ error: FieldbookError, reader: BundleReader, merged: Int) -> FieldbookError {
        var line = error
        guard let head = reader.head else {
            line.message = "the file is not a readable bundle (\(error.message)); nothing merged"
            return line
        }
        let kept =
            reader.framesRead == 0
            ? "nothing merged"
            : "the \(reader.framesRead) frames before it were merged (\(merged) of its \(head.changes) changes)"
        line.message =
            "the bundle is damaged in \(reader.nextFrameName) (\(error.message)); \(kept); import a whole copy, or ask for a new bundle, to get the rest"
        return line
    }

    /// A bundle of format version 1: one envelope, merged all or nothing.
    private func importSingleEnvelopeBundle(_ bytes: [UInt8]) throws -> BundleImport {
        let message: Message
        do {
            message = try WireFormat.decode(bytes)
        } catch {
            var error = error
            error.message = "the bundle cannot be read: " + error.message
            throw error
        }
        guard case .bundle(let bundle) = message else {
            throw FieldbookError(.invalidInput, "the file holds a \(message.kind), not a bundle")
        }
        guard bundle.author != store.replicaID else {
            throw FieldbookError(.invalidInput, "this bundle was written by this replica; import it on another one")
        }
        do {
            let report = try store.merge(bundle.batch, from: bundle.author, checksEveryOrigin: true)
            var result = BundleImport(author: bundle.author)
            result.add(report)
            result.frames = 1
            return result
        } catch let error as FieldbookError where error.code == .sequenceGap {
            throw FieldbookError(
                .sequenceGap,
                "the bundle continues from changes this replica does not hold; ask for a bundle made for this replica's vector file (`fieldbook bundle vector FILE`) or without --for"
            )
        }
    }
}
