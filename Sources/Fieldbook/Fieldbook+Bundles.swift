import FieldbookCore
import FieldbookProtocol
import FieldbookStore
import Foundation

extension Fieldbook {
    /// The knowledge every replica starts with: the built-in programmes.
    static var genesisKnowledge: Knowledge {
        var knowledge = Knowledge()
        for range in Programme.genesis.ranges { knowledge[range.stream] = range.through }
        return knowledge
    }

    /// The approximate bytes of changes in one frame of a bundle: as a sync frame, a few
    /// KB once compressed, so a file cut short loses little and a frame's transaction is short.
    public static let bundleFrameBytes = 16 << 10

    /// Writes every change `peer` lacks (everything, when `peer` is `nil`) into a bundle
    /// file: a head, frames of about `frameBytes` of changes each (compressed and
    /// checksummed on their own), and an end, which `importBundle` merges frame by frame
    /// on another replica. The frames are signed (PROTOCOL.md, "Proofs"), so the receiver
    /// can tell this replica's changes from a copy of the file someone altered.
    ///
    /// - Returns: the encoded bundle, how many changes it holds and in how many frames.
    public func exportBundle(for peer: KnowledgeFile? = nil, frameBytes: Int = bundleFrameBytes) throws
        -> (bytes: [UInt8], changes: Int, frames: Int)
    {
        var base = peer?.knowledge ?? Self.genesisKnowledge
        base.merge(Self.genesisKnowledge)
        var writer = BundleWriter()
        var proven: Set<ReplicaID> = []
        // Each frame carries its proofs: this replica's own streams signed to the frame's
        // end, and the certificates it holds for the streams it relays. Signing writes to
        // the file, so frames are read in groups, each frame in a read transaction of its
        // own up to what the replica held when the export began (as a server streams a
        // round), and each group is signed in one write transaction: memory stays bounded
        // by a group, not by the bundle.
        let knowledge = try store.knowledge()
        var assembler = FrameAssembler(local: knowledge, peer: base)
        var more = true
        while more {
            var group: [ChangeBatch] = []
            while more && group.count < Self.signingGroup {
                let assembly = try store.nextFrame(&assembler, byteBudget: max(1, frameBytes))
                more = assembly.hasMore && !assembly.batch.ranges.isEmpty
                if !assembly.batch.ranges.isEmpty { group.append(assembly.batch) }
            }
            for frame in try store.proving(group) {
                for proof in frame.proofs { proven.insert(proof.certificate.stream.origin) }
                writer.append(frame)
            }
        }
        var keys: [ReplicaID: OriginPublicKey] = [:]
        for origin in proven { keys[origin] = try store.pinnedKey(of: origin) }
        let bytes = writer.bytes(
            schemaVersion: UInt32(store.schema.version), author: store.replicaID,
            createdAt: SystemWallClock().milliseconds(), knowledge: knowledge, base: base, originKeys: keys)
        // Our own changes now live outside this replica: never re-stamp them.
        try store.markExported(knowledge)
        return (bytes, writer.changes, writer.frames)
    }

    /// Frames an export signs in one transaction.
    static let signingGroup = 64

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
