import FieldbookCore
import FieldbookTestSupport
import Testing

struct CellMergeTests {
    typealias M = Make

    static func version(_ milliseconds: UInt64, _ origin: ReplicaID, _ value: String, previous: Stamp? = nil)
        -> CellVersion
    {
        CellVersion(stamp: M.stamp(milliseconds, origin), previous: previous, value: .text(value))
    }

    @Test func firstVersionOfACellWins() {
        #expect(
            CellMerge.resolve(current: nil, incoming: Self.version(1, M.a, "x"))
                == .incomingWins(displacedConcurrent: false))
    }

    @Test func sameStampIsADuplicate() {
        let version = Self.version(5, M.a, "x")
        #expect(CellMerge.resolve(current: version, incoming: version) == .duplicate)
    }

    @Test func largerStampWinsWhicheverArrivesFirst() {
        let older = Self.version(5, M.a, "x")
        let newer = Self.version(6, M.b, "y")
        #expect(CellMerge.resolve(current: older, incoming: newer) == .incomingWins(displacedConcurrent: true))
        #expect(CellMerge.resolve(current: newer, incoming: older) == .currentWins(incomingConcurrent: true))
    }

    @Test func replicaIDBreaksTiesOfEqualTime() {
        let fromA = Self.version(5, M.a, "x")
        let fromB = Self.version(5, M.b, "y")
        #expect(CellMerge.resolve(current: fromA, incoming: fromB) == .incomingWins(displacedConcurrent: true))
        #expect(CellMerge.resolve(current: fromB, incoming: fromA) == .currentWins(incomingConcurrent: true))
    }

    /// One row of the concurrency rule: two versions, and whether the loser is a conflict.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var first: CellVersion
        var second: CellVersion
        var concurrent: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "different replicas, no link, different values", first: version(5, M.a, "x"),
            second: version(6, M.b, "y"), concurrent: true),
        Case(
            name: "second overwrote first knowingly", first: version(5, M.a, "x"),
            second: version(6, M.b, "y", previous: M.stamp(5, M.a)), concurrent: false),
        Case(
            name: "first names second although older (clock behind)",
            first: version(5, M.a, "x", previous: M.stamp(6, M.b)), second: version(6, M.b, "y"), concurrent: false),
        Case(name: "same replica", first: version(5, M.a, "x"), second: version(6, M.a, "y"), concurrent: false),
        Case(
            name: "equal values lose nothing", first: version(5, M.a, "x"), second: version(6, M.b, "x"),
            concurrent: false),
        Case(
            name: "previous names a third version", first: version(5, M.a, "x"),
            second: version(6, M.b, "y", previous: M.stamp(4, M.c)), concurrent: true),
        Case(
            name: "previous has the right time but another origin", first: version(5, M.a, "x"),
            second: version(6, M.b, "y", previous: M.stamp(5, M.c)), concurrent: true),
        Case(
            name: "NULL against a value", first: CellVersion(stamp: M.stamp(5, M.a), previous: nil, value: .null),
            second: version(6, M.b, "y"), concurrent: true),
        Case(
            name: "integer 7 against text 7",
            first: CellVersion(stamp: M.stamp(5, M.a), previous: nil, value: .integer(7)), second: version(6, M.b, "7"),
            concurrent: true),
    ]

    @Test(arguments: cases)
    func concurrencyRule(_ row: Case) {
        #expect(CellMerge.areConcurrent(row.first, row.second) == row.concurrent)
        #expect(CellMerge.areConcurrent(row.second, row.first) == row.concurrent, "the rule is symmetric")
        let (low, high) = row.first.stamp < row.second.stamp ? (row.first, row.second) : (row.second, row.first)
        #expect(CellMerge.resolve(current: low, incoming: high) == .incomingWins(displacedConcurrent: row.concurrent))
        #expect(CellMerge.resolve(current: high, incoming: low) == .currentWins(incomingConcurrent: row.concurrent))
    }

    @Test(arguments: Seeds.list(default: 10))
    func winnerIsTheLargestStampInEveryArrivalOrder(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let origins = [M.a, M.b, M.c]
        var versions: [CellVersion] = []
        for _ in 0..<Int.random(in: 1...8, using: &random) {
            versions.append(
                CellVersion(
                    stamp: M.stamp(UInt64.random(in: 1...6, using: &random), origins.randomElement(using: &random)!),
                    previous: nil, value: .integer(Int64.random(in: 0...2, using: &random))))
        }
        let expected = versions.max { $0.stamp < $1.stamp }!.stamp
        for _ in 0..<10 {
            var current: CellVersion?
            for version in versions.shuffled(using: &random) {
                switch CellMerge.resolve(current: current, incoming: version) {
                case .incomingWins: current = version
                case .duplicate, .currentWins: break
                }
            }
            #expect(current?.stamp == expected, "seed \(seed): \(Seeds.replay(seed, filter: "CellMergeTests"))")
        }
    }
}
