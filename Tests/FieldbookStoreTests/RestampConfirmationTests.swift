import FieldbookCore
import FieldbookStore
import Foundation
import Testing

/// The second half of a re-stamp: the server's versions of a laptop's own re-stamped
/// changes win, and only those, and only from the server.
struct RestampConfirmationTests {
    static let server = ReplicaID(Bytes16(high: 0x5e12_7e12, low: 1))

    /// A laptop that wrote three values of one cell days ahead, then had its clock fixed.
    func skewedLaptop(seed: UInt64) throws -> (ReplicaStore, ManualWallClock, StreamID, CellAddress) {
        let laptop = try RestampTests.laptopThatWroteAhead(["first", "second", "third"], seed: seed)
        laptop.clock.set(RestampTests.now)
        return (laptop.store, laptop.clock, laptop.stream, laptop.cell)
    }

    func own(_ store: ReplicaStore, _ stream: StreamID) throws -> [Change] {
        try store.changes(for: Knowledge(), byteBudget: .max).batch.changes.filter { $0.stream == stream }
    }

    /// The originals, as a server that took the office's release holds them.
    func serverAnswer(_ originals: [Change], after: UInt64) -> ChangeBatch {
        let stream = originals[0].stream
        return ChangeBatch(
            changes: originals.filter { $0.sequence > after },
            ranges: [StreamRange(stream: stream, after: after, through: originals.last!.sequence)])
    }

    @Test func theServersVersionsOfUnconfirmedRestampsWinAndOnlyFromTheServer() throws {
        let (store, _, stream, cell) = try skewedLaptop(seed: 21)
        let originals = try own(store, stream)
        #expect(try store.restamp(stream, from: 2) == 2)
        #expect(try store.roundKnowledge()[stream] == 1, "the re-stamped range is declared missing")
        let restamped = try own(store, stream)
        #expect(restamped[1].stamp != originals[1].stamp)

        // A bundle carrying the originals changes nothing: only the server is believed.
        let answer = serverAnswer(originals, after: 1)
        try store.merge(answer, from: Self.server, recordsConflicts: false)
        #expect(try own(store, stream) == restamped)
        #expect(try store.roundKnowledge()[stream] == 1)

        // The server's answer: its versions (the released originals) win, the later write
        // still names the one it overwrote, and the cell's winner is the last write again.
        let report = try store.merge(answer, from: Self.server, recordsConflicts: false, fromServer: true)
        #expect(report.duplicates == 2)
        #expect(try own(store, stream) == originals)
        #expect(try store.version(of: cell)?.value == .text("third"))
        #expect(try store.version(of: cell)?.stamp == originals[2].stamp)
        #expect(try store.roundKnowledge() == store.knowledge(), "confirmed")
    }

    @Test func aServerThatHoldsOnlyPartOfTheRangeConfirmsThatPart() throws {
        let (store, _, stream, _) = try skewedLaptop(seed: 22)
        #expect(try store.restamp(stream, from: 1) == 3)
        let restamped = try own(store, stream)
        // The server merged the re-stamped #1 and #2 (as pushed), not #3 yet.
        let partial = ChangeBatch(
            changes: Array(restamped.prefix(2)), ranges: [StreamRange(stream: stream, after: 0, through: 2)])
        try store.merge(partial, from: Self.server, recordsConflicts: false, fromServer: true)
        #expect(try own(store, stream) == restamped, "the same stamps: nothing to adopt")
        #expect(try store.roundKnowledge()[stream] == 2, "#3 is still to confirm")
    }

    @Test func ownChangesSentBackWithNothingUnconfirmedAreIgnored() throws {
        let (store, _, stream, _) = try skewedLaptop(seed: 23)
        let originals = try own(store, stream)
        // A lying server sends this laptop's own changes with other stamps.
        var lies = originals
        for index in lies.indices {
            lies[index].stamp.time = HLC(milliseconds: RestampTests.now, counter: UInt16(index))
        }
        try store.merge(serverAnswer(lies, after: 0), from: Self.server, recordsConflicts: false, fromServer: true)
        #expect(try own(store, stream) == originals)
    }
}
