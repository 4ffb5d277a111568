import FieldbookCore
import FieldbookStore
import FieldbookTestSupport
import Foundation
import GRDB
import Testing

/// A row written for the first time is one write (one stamp, the row inserted whole);
/// the rows it makes must be exactly the rows the cell-by-cell path made, on this replica
/// and on every replica that merges them.
struct NewRowWriteTests {
    static let partition = Fixture.partition(1)

    @Test func aNewRowIsOneWriteUnderOneStampAndMergesLikeAnyOther() throws {
        let writer = try Fixture.store(1)
        let key = RowKey(Fixture.rowID(1))
        let written = try writer.write { tx in
            try tx.set(
                table: Fixture.items, key: key, partition: Self.partition,
                columns: [("name", .text("王芳")), ("n", .integer(815)), ("note", .null)])
        }
        #expect(written.map(\.column) == ["name", "n", "note"])
        #expect(Set(written.map(\.stamp)).count == 1, "one write, one stamp")
        #expect(written.map(\.sequence) == [1, 2, 3], "consecutive in the stream, as the cells were written")
        #expect(written.allSatisfy { $0.previous == nil })
        #expect(try writer.knowledge()[StreamID(partition: Self.partition, origin: writer.replicaID)] == 3)

        // The same row, written cell by cell (an existing row takes that path): same data.
        let cellByCell = try Fixture.store(2)
        try cellByCell.write { tx in
            try tx.set(table: Fixture.items, key: key, partition: Self.partition, columns: [("name", .text("王芳"))])
            try tx.set(table: Fixture.items, key: key, partition: Self.partition, columns: [("n", .integer(815))])
            try tx.set(table: Fixture.items, key: key, partition: Self.partition, columns: [("note", .null)])
        }
        #expect(try canonicalDump(writer, .data) == canonicalDump(cellByCell, .data))

        let reader = try Fixture.store(3)
        try reader.merge(Fixture.everything(in: writer), from: writer.replicaID)
        #expect(try canonicalDump(reader, .data) == canonicalDump(writer, .data))
        #expect(try Fixture.everything(in: reader).changes == Fixture.everything(in: writer).changes)
    }

    @Test func writingTheRowAgainGoesCellByCellAfterWhatItOverwrites() throws {
        let store = try Fixture.store(1)
        let key = RowKey(Fixture.rowID(1))
        let first = try store.write { tx in
            try tx.set(
                table: Fixture.items, key: key, partition: Self.partition,
                columns: [("name", .text("Li")), ("n", .integer(1))])
        }
        let second = try store.write { tx in
            try tx.set(
                table: Fixture.items, key: key, partition: Self.partition,
                columns: [("name", .text("Li Na")), ("n", .integer(2))])
        }
        #expect(second.map(\.previous) == first.map(\.stamp), "each cell names the version it overwrote")
        #expect(second.allSatisfy { $0.stamp > first[0].stamp })
        #expect(second.map(\.sequence) == [3, 4])
    }

    @Test func aRepeatedColumnOrAnUnknownOneIsNotTakenForANewRow() throws {
        let store = try Fixture.store(1)
        let key = RowKey(Fixture.rowID(1))
        let repeated = try store.write { tx in
            try tx.set(
                table: Fixture.items, key: key, partition: Self.partition,
                columns: [("name", .text("first")), ("name", .text("second"))])
        }
        #expect(repeated.map(\.value) == [.text("first"), .text("second")], "written in order, the last one wins")
        let value = try store.read { db in
            try String.fetchOne(
                db, sql: "SELECT name FROM items WHERE id = ?", arguments: [Fixture.rowID(1).rawValue.data])
        }
        #expect(value == "second")

        let before = try canonicalDump(store)
        let error = #expect(throws: FieldbookError.self) {
            try store.write { tx in
                try tx.set(
                    table: Fixture.items, key: RowKey(Fixture.rowID(2)), partition: Self.partition,
                    columns: [("name", .text("ok")), ("colour", .text("not in this schema"))])
            }
        }
        #expect(error != nil)
        #expect(try canonicalDump(store) == before, "nothing of the refused row was written")
    }
}

extension NewRowWriteTests {
    /// `insert` writes a new row as `set` does, without looking for it first; a key that
    /// exists after all is refused by the database and the transaction writes nothing.
    @Test func insertWritesWhatSetWritesAndRefusesAKeyThatExists() throws {
        let inserted = try Fixture.store(1)
        let set = try Fixture.store(2)
        let key = RowKey(Fixture.rowID(1))
        let columns: [(String, Value)] = [("name", .text("李伟")), ("n", .integer(7))]
        try inserted.write { tx in
            try tx.insert(table: Fixture.items, key: key, partition: Self.partition, columns: columns)
        }
        try set.write { tx in try tx.set(table: Fixture.items, key: key, partition: Self.partition, columns: columns) }
        #expect(try canonicalDump(inserted, .data) == canonicalDump(set, .data))

        let before = try canonicalDump(inserted, .data)
        let knowledge = try inserted.knowledge()
        #expect(throws: (any Error).self) {
            try inserted.write { tx in
                try tx.insert(
                    table: Fixture.items, key: key, partition: Self.partition,
                    columns: [("name", .text("someone else")), ("n", .integer(8))])
            }
        }
        #expect(try canonicalDump(inserted, .data) == before)
        #expect(try inserted.knowledge() == knowledge)
    }
}
