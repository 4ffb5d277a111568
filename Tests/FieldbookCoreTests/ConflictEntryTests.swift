import FieldbookCore
import Testing

struct ConflictEntryTests {
    @Test func keyIsTheSameForTheSameCellAndLoser() {
        let cell = Make.cell(1, "status", table: "attendance")
        #expect(
            ConflictEntry.key(cell: cell, loser: Make.stamp(5, Make.a))
                == ConflictEntry.key(cell: cell, loser: Make.stamp(5, Make.a)))
    }

    @Test func keyDiffersForEveryPartOfCellAndLoser() {
        let base = ConflictEntry.key(cell: Make.cell(1, "status"), loser: Make.stamp(5, Make.a))
        let variants = [
            ConflictEntry.key(cell: Make.cell(2, "status"), loser: Make.stamp(5, Make.a)),
            ConflictEntry.key(cell: Make.cell(1, "remark"), loser: Make.stamp(5, Make.a)),
            ConflictEntry.key(cell: Make.cell(1, "status", table: "other"), loser: Make.stamp(5, Make.a)),
            ConflictEntry.key(cell: Make.cell(1, "status"), loser: Make.stamp(6, Make.a)),
            ConflictEntry.key(cell: Make.cell(1, "status"), loser: Make.stamp(5, Make.a, counter: 1)),
            ConflictEntry.key(cell: Make.cell(1, "status"), loser: Make.stamp(5, Make.b)),
        ]
        #expect(Set(variants + [base]).count == variants.count + 1)
        #expect(base.count == 1)
    }

    @Test func valuesDescribeTheCellAndTheLosingVersion() {
        let cell = Make.cell(3, "status", table: "attendance")
        let loser = CellVersion(stamp: Make.stamp(5, Make.b, counter: 2), previous: nil, value: .text("late"))
        let values = Dictionary(
            uniqueKeysWithValues: ConflictEntry.values(cell: cell, loser: loser).map { ($0.column, $0.value) })
        #expect(values[ConflictEntry.Column.table] == .text("attendance"))
        #expect(values[ConflictEntry.Column.rowKey] == .blob(cell.key.bytes))
        #expect(values[ConflictEntry.Column.column] == .text("status"))
        #expect(values[ConflictEntry.Column.value] == .text("late"))
        #expect(values[ConflictEntry.Column.time] == .integer(Int64(bitPattern: loser.stamp.time.rawValue)))
        #expect(values[ConflictEntry.Column.origin] == .blob(Make.b.rawValue.bytes))
        #expect(values[ConflictEntry.Column.resolvedTime] == nil, "a new entry is open")
    }
}

struct SeededRandomTests {
    @Test func sameSeedSameSequenceOtherSeedOtherSequence() {
        var first = SeededRandom(seed: 42)
        var again = SeededRandom(seed: 42)
        var other = SeededRandom(seed: 43)
        let a = (0..<100).map { _ in first.next() }
        #expect(a == (0..<100).map { _ in again.next() })
        #expect(a != (0..<100).map { _ in other.next() })
        #expect(Set(a).count == 100)
    }

    @Test func seedZeroIsUsable() {
        var random = SeededRandom(seed: 0)
        #expect((0..<10).map { _ in random.next() }.contains { $0 != 0 })
    }
}
