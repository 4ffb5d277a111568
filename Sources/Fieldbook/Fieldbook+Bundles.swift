import FieldbookCore
import FieldbookProtocol
import FieldbookStore
import Foundation

extension Fieldbook {
    /// What importing a bundle did.
    public struct BundleImport: Sendable, Codable {
        /// The replica that wrote the bundle.
        public var author: ReplicaID
        /// Changes newly taken in.
        public var received: Int
        /// Changes this replica already held.
        public var duplicates: Int
        /// Concurrent losers written to the conflict ledger.
        public var conflicts: Int
        /// Changes held back because the author's clock was too far ahead.
        public var quarantined: Int
    }

    /// The knowledge every replica starts with: the built-in programmes.
    static var genesisKnowledge: Knowledge {
        var knowledge = Knowledge()
        for range in Programme.genesis.ranges { knowledge[range.stream] = range.through }
        return knowledge
    }

    /// Writes every change `peer` lacks (everything, when `peer` is `nil`) into a bundle:
    /// one compressed, checksummed file that `importBundle` merges on another replica.
    ///
    /// - Returns: the encoded bundle and how many changes it holds.
    public func exportBundle(for peer: KnowledgeFile? = nil) throws -> (bytes: [UInt8], changes: Int) {
        var base = peer?.knowledge ?? Self.genesisKnowledge
        base.merge(Self.genesisKnowledge)
        let knowledge = try store.knowledge()
        let assembly = try store.changes(for: base, byteBudget: .max)
        let bundle = Bundle(
            schemaVersion: UInt32(store.schema.version), author: store.replicaID,
            createdAt: SystemWallClock().milliseconds(), knowledge: knowledge, batch: assembly.batch)
        let bytes = WireFormat.encode(.bundle(bundle))
        // Our own changes now live outside this replica: never re-stamp them.
        try store.markExported(knowledge)
        return (bytes, assembly.batch.changes.count)
    }

    /// Merges a bundle, all or nothing; importing the same bundle twice changes nothing.
    ///
    /// - Throws: `.corrupt` for a damaged or truncated file, `.unsupportedVersion` for a
    ///   bundle from an incompatible Fieldbook, `.sequenceGap` when the bundle was made
    ///   for a replica that holds more than this one.
    public func importBundle(_ bytes: [UInt8]) throws -> BundleImport {
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
            return BundleImport(
                author: bundle.author, received: report.received, duplicates: report.duplicates,
                conflicts: report.conflicts, quarantined: report.quarantined)
        } catch let error as FieldbookError where error.code == .sequenceGap {
            throw FieldbookError(
                .sequenceGap,
                "the bundle continues from changes this replica does not hold; ask for a bundle made for this replica's vector file (`fieldbook bundle vector FILE`) or without --for"
            )
        }
    }

    /// What this replica holds, for a peer to make a bundle of just what it lacks.
    public func knowledgeFile() throws -> [UInt8] {
        WireFormat.encode(.knowledge(KnowledgeFile(replica: store.replicaID, knowledge: try store.knowledge())))
    }

    /// Reads a vector file written by `knowledgeFile()`.
    public static func readKnowledgeFile(_ bytes: [UInt8]) throws -> KnowledgeFile {
        guard case .knowledge(let file) = try WireFormat.decode(bytes) else {
            throw FieldbookError(
                .invalidInput, "the file is not a vector file; make one with `fieldbook bundle vector FILE`")
        }
        return file
    }
}
