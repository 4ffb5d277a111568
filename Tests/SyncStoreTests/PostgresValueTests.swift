import FieldbookCore
import FieldbookServer
import FieldbookTestSupport
import Testing

/// What only the PostgreSQL store promises: values kept bit for bit whatever the column
/// (the SQLite store converts them by its columns' type affinity), and columns from a
/// newer schema merged like any other.
@Suite(.enabled(if: TestPostgres.enabled, TestPostgres.skipReason))
struct PostgresValueTests {
    @Test func valuesAndUnknownColumnsRoundTripExactly() async throws {
        try await withStore(.postgres, wallClock: ManualWallClock(milliseconds: Fixture.now)) { store in
            var alice = TestClient(seed: 60)
            let values: [Value] = [
                .null, .integer(.min), .integer(.max), .real(-0.0), .real(.infinity),
                .real(Double(bitPattern: 0x7FF8_0000_0000_0001)),
                .real(1e-310), .text(""), .text("1234567"), .text("ünïcødé 学习"), .blob([]), .blob(Array(0...255)),
            ]
            for (index, value) in values.enumerated() {
                alice.write(
                    Fixture.note(UInt64(index), "future_column"), partition: Fixture.cohort, value: value,
                    time: Fixture.now - 100 + UInt64(index))
            }
            alice.write(
                CellAddress(table: "future_table", key: RowKey(Fixture.row(1), Fixture.row(2)), column: "x"),
                partition: Fixture.cohort, value: .text("from a newer client"), time: Fixture.now - 10)
            let batch = alice.push()
            #expect(try await store.merge(batch, from: alice.id) == BatchMerger.Report(applied: values.count + 1))
            let back = try await allChanges(store).filter { $0.origin == alice.id }
            #expect(back.count == batch.changes.count)
            for (sent, received) in zip(
                batch.changes.sorted { $0.sequence < $1.sequence }, back.sorted { $0.sequence < $1.sequence })
            {
                #expect(sent.cell == received.cell && sent.stamp == received.stamp)
                switch (sent.value, received.value) {
                case (.real(let a), .real(let b)): #expect(a.bitPattern == b.bitPattern)
                default: #expect(sent.value == received.value)
                }
            }
        }
    }
}
