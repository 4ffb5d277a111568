import FieldbookCore

/// Stable, readable IDs for tests and golden vectors: in a hex dump, `a1…` is a replica,
/// `0192…` a row, `c0…` a cohort partition.
enum Fixtures {
    /// Replica `n`: `a1a1a1a1-0000-…-n`.
    static func replica(_ n: UInt64) -> ReplicaID {
        ReplicaID(Bytes16(high: 0xA1A1_A1A1_0000_0000, low: n))
    }

    /// A UUIDv7-shaped row ID numbered `n`.
    static func row(_ n: UInt64) -> RowID {
        RowID(Bytes16(high: 0x0192_7C3E_8F00_7000 | (n & 0xFFF), low: 0x8000_0000_0000_0000 | n))
    }

    /// Cohort partition `n`.
    static func cohort(_ n: UInt64) -> PartitionID {
        PartitionID(Bytes16(high: 0xC0C0_0000_0000_0000, low: n))
    }

    /// The facilitator's laptop.
    static let laptop = replica(1)
    /// The office replica.
    static let office = replica(2)
    /// The sync server.
    static let server = replica(3)

    /// Saturday 2 March 2024, 09:00 in Shanghai (Unix milliseconds).
    static let saturdayMorning: UInt64 = 1_709_341_200_000

    /// A stamp at `milliseconds` (+ `counter`) by `origin`.
    static func stamp(_ milliseconds: UInt64, _ counter: UInt16 = 0, by origin: ReplicaID = laptop) -> Stamp {
        Stamp(time: HLC(milliseconds: milliseconds, counter: counter), origin: origin)
    }

    /// A change with the fields tests rarely vary defaulted.
    static func change(
        _ table: String, _ key: RowKey, _ column: String, _ value: Value, at stamp: Stamp, sequence: UInt64,
        previous: Stamp? = nil, partition: PartitionID = cohort(1)
    ) -> Change {
        Change(
            partition: partition, table: table, key: key, column: column, value: value, stamp: stamp,
            sequence: sequence, previous: previous
        )
    }

    /// The range covering a contiguous run of `changes` of one stream.
    static func range(covering changes: [Change], after: UInt64 = 0) -> StreamRange {
        StreamRange(stream: changes[0].stream, after: after, through: changes.map(\.sequence).max() ?? after)
    }

    /// The P3 scenario: one facilitator marks 10 Saturday sessions of 100 participants.
    ///
    /// Participants are marked in a shuffled order a few seconds apart; statuses are
    /// mostly "present". Half the marks overwrite an expected-attendance row the office
    /// imported three days before the session (so they carry a `previous` stamp from
    /// another replica), half write a fresh cell. Sequences run 1…1000.
    static func attendanceBatch(seed: UInt64 = 2024) -> ChangeBatch {
        var random = SeededRandom(seed: seed)
        let participants = (0..<100).map { row(1000 + UInt64($0)) }
        var changes: [Change] = []
        for week in 0..<10 {
            let event = row(100 + UInt64(week))
            let start = saturdayMorning + UInt64(week) * 7 * 86_400_000
            let importTime = start - 3 * 86_400_000
            var time = start
            for index in (0..<participants.count).shuffled(using: &random) {
                time += UInt64.random(in: 2_000...12_000, using: &random)
                let roll = Int.random(in: 0..<100, using: &random)
                let status = roll < 80 ? "present" : roll < 92 ? "late" : "absent"
                let previous =
                    Bool.random(using: &random)
                    ? stamp(importTime + UInt64(index) * 4 + UInt64.random(in: 0...2, using: &random), by: office)
                    : nil
                changes.append(
                    change(
                        "attendance", RowKey(event, participants[index]), "status", .text(status), at: stamp(time),
                        sequence: UInt64(changes.count + 1), previous: previous))
            }
        }
        return ChangeBatch(changes: changes, ranges: [range(covering: changes)])
    }
}
