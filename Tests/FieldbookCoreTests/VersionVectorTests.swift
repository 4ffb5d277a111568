import FieldbookCore
import FieldbookTestSupport
import Testing

struct VersionVectorTests {
    static let origins = (1...4).map { ReplicaID(Bytes16(high: UInt64($0), low: 0)) }

    static func randomVector(_ random: inout SeededRandom) -> VersionVector {
        var vector = VersionVector()
        for origin in origins where random.next() % 3 != 0 {
            vector[origin] = UInt64.random(in: 0...5, using: &random)
        }
        return vector
    }

    @Test(arguments: Seeds.list(default: 5))
    func mergeIsCommutativeAssociativeAndIdempotent(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        for _ in 0..<300 {
            let a = Self.randomVector(&random)
            let b = Self.randomVector(&random)
            let c = Self.randomVector(&random)
            #expect(a.merging(b) == b.merging(a), "seed \(seed): \(a) \(b)")
            #expect(a.merging(b).merging(c) == a.merging(b.merging(c)), "seed \(seed)")
            #expect(a.merging(a) == a, "seed \(seed)")
            let merged = a.merging(b)
            #expect(merged.dominates(a) && merged.dominates(b), "seed \(seed)")
            for origin in Self.origins {
                #expect(merged[origin] == max(a[origin], b[origin]), "seed \(seed)")
            }
        }
    }

    @Test(arguments: Seeds.list(default: 3))
    func dominatesIsAPartialOrder(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        for _ in 0..<300 {
            let a = Self.randomVector(&random)
            let b = Self.randomVector(&random)
            #expect(a.dominates(a))
            if a.dominates(b) && b.dominates(a) { #expect(a == b, "seed \(seed)") }
            #expect(a.dominates(VersionVector()))
        }
    }

    @Test func zeroEntriesAreNotStored() {
        var vector = VersionVector([Self.origins[0]: 0, Self.origins[1]: 2])
        #expect(vector.entries.count == 1)
        vector[Self.origins[1]] = 0
        #expect(vector == VersionVector())
        #expect(vector.total == 0)
    }

    @Test func containsCountsEverySequenceUpToTheEntry() {
        let vector = VersionVector([Self.origins[0]: 3])
        #expect(vector.contains(origin: Self.origins[0], sequence: 1))
        #expect(vector.contains(origin: Self.origins[0], sequence: 3))
        #expect(!vector.contains(origin: Self.origins[0], sequence: 4))
        #expect(!vector.contains(origin: Self.origins[1], sequence: 1))
        #expect(vector.origins == [Self.origins[0]])
    }
}

struct KnowledgeTests {
    static let partitions = [PartitionID.shared, PartitionID(Bytes16(high: 9, low: 9))]

    static func randomKnowledge(_ random: inout SeededRandom) -> Knowledge {
        var knowledge = Knowledge()
        for partition in partitions where random.next() % 3 != 0 {
            knowledge[partition] = VersionVectorTests.randomVector(&random)
        }
        return knowledge
    }

    static func merged(_ a: Knowledge, _ b: Knowledge) -> Knowledge {
        var copy = a
        copy.merge(b)
        return copy
    }

    @Test(arguments: Seeds.list(default: 5))
    func mergeLaws(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        for _ in 0..<300 {
            let a = Self.randomKnowledge(&random)
            let b = Self.randomKnowledge(&random)
            let c = Self.randomKnowledge(&random)
            #expect(Self.merged(a, b) == Self.merged(b, a), "seed \(seed)")
            #expect(Self.merged(Self.merged(a, b), c) == Self.merged(a, Self.merged(b, c)), "seed \(seed)")
            #expect(Self.merged(a, a) == a, "seed \(seed)")
            #expect(Self.merged(a, b).total >= max(a.total, b.total), "seed \(seed)")
        }
    }

    @Test func emptyVectorsAreDroppedSoEqualityIsByContent() {
        var knowledge = Knowledge([Self.partitions[0]: VersionVector()])
        #expect(knowledge == Knowledge())
        let stream = StreamID(partition: Self.partitions[1], origin: VersionVectorTests.origins[0])
        knowledge[stream] = 4
        #expect(knowledge[stream] == 4)
        #expect(knowledge.partitions == [Self.partitions[1]])
        #expect(knowledge.streams == [stream])
        knowledge[stream] = 0
        #expect(knowledge == Knowledge())
    }

    @Test func restrictedKeepsOnlyTheGivenPartitions() {
        var knowledge = Knowledge()
        let origin = VersionVectorTests.origins[0]
        knowledge[StreamID(partition: Self.partitions[0], origin: origin)] = 2
        knowledge[StreamID(partition: Self.partitions[1], origin: origin)] = 3
        let restricted = knowledge.restricted(to: [Self.partitions[1]])
        #expect(restricted.partitions == [Self.partitions[1]])
        #expect(restricted.total == 3)
        #expect(knowledge.total == 5)
    }
}
