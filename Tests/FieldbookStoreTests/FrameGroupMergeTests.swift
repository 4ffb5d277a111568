import FieldbookCore
import FieldbookStore
import FieldbookTestSupport
import Testing

/// Frames that arrive together merge in one transaction; a bad one among them must cost
/// only itself and those after it, as if each had been merged on arrival.
struct FrameGroupMergeTests {
    /// A writer's 40 rows, cut into frames of a few changes each.
    static func frames() throws -> (writer: ReplicaStore, frames: [ChangeBatch]) {
        let writer = try Fixture.store(1)
        try writer.write { tx in
            for index in 1...40 {
                try tx.set(
                    table: Fixture.items, key: RowKey(Fixture.rowID(index)), partition: Fixture.partition(1),
                    columns: [("name", .text("学员 \(index)"))])
            }
        }
        var frames: [ChangeBatch] = []
        _ = try writer.framedChanges(for: Knowledge(), frameBytes: 100) { frames.append($0) }
        return (writer, frames)
    }

    @Test func framesThatArriveTogetherMergeAsTheyWouldOneByOne() throws {
        let (writer, frames) = try Self.frames()
        #expect(frames.count > 4)
        let together = try Fixture.store(2)
        let report = try together.mergeFrames(frames, from: writer.replicaID)
        #expect(report.applied == 40)
        let oneByOne = try Fixture.store(3)
        for frame in frames { try oneByOne.mergeFrames([frame], from: writer.replicaID) }
        #expect(try canonicalDump(together) == canonicalDump(oneByOne))
        #expect(try canonicalDump(together, .data) == canonicalDump(writer, .data))
    }

    @Test(arguments: [0, 2, 4]) func aBadFrameCostsItselfAndWhatFollowsNotTheFramesBeforeIt(bad: Int) throws {
        let (writer, frames) = try Self.frames()
        var lying = frames
        // A change that its frame's ranges do not vouch for: the frame breaks its own promise.
        lying[bad].changes[0].sequence += 1_000
        let receiver = try Fixture.store(2)
        let failure = #expect(throws: FrameGroupFailure.self) {
            try receiver.mergeFrames(lying, from: writer.replicaID)
        }
        #expect(failure?.index == bad)
        #expect((failure?.error as? FieldbookError)?.code == .corrupt)
        let kept = frames.prefix(bad).reduce(0) { $0 + $1.changes.count }
        #expect(failure?.merged.applied == kept)
        #expect(
            try receiver.knowledge()[StreamID(partition: Fixture.partition(1), origin: writer.replicaID)]
                == UInt64(kept),
            "exactly the frames before the bad one are held")
        // The honest frames from where it stopped finish the job.
        try receiver.mergeFrames(Array(frames[bad...]), from: writer.replicaID)
        #expect(try canonicalDump(receiver, .data) == canonicalDump(writer, .data))
    }
}
