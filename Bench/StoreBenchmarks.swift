import Fieldbook
import FieldbookCore
import FieldbookStore
import Foundation
import GRDB

/// P1 (local writes), P2 (merge throughput) and P6 (file size), each against plain SQLite
/// doing the same work with the same durability (WAL, synchronous=FULL).
struct StoreBenchmarks {
    let folder: String
    let scale: BenchScale

    static let attendanceSQL = """
        CREATE TABLE attendance (event_id BLOB NOT NULL, participant_id BLOB NOT NULL, status TEXT, remark TEXT,
        PRIMARY KEY (event_id, participant_id))
        """
    /// A mark is a status and a remark, written together (the engine writes both cells of
    /// the attendance column group, under one stamp); here without a remark.
    static let upsertSQL = """
        INSERT INTO attendance (event_id, participant_id, status, remark) VALUES (?, ?, ?, NULL)
        ON CONFLICT (event_id, participant_id) DO UPDATE SET status = excluded.status, remark = excluded.remark
        """
    static let statuses = ["present", "late", "absent", "excused"]

    /// A plain SQLite database configured like the replica.
    func plainDatabase(_ name: String) throws -> DatabaseQueue {
        let queue = try PlainSQLite.open("\(folder)/\(name).sqlite")
        try queue.write { db in try db.execute(sql: Self.attendanceSQL) }
        return queue
    }

    func replica(_ name: String) throws -> ReplicaStore {
        try ReplicaStore.create(
            at: "\(folder)/\(name).sqlite", name: name, schema: NPQSchema.current, genesis: Programme.genesis)
    }

    /// `count` attendance cells over a grid of events × participants, deterministic.
    func marks(_ count: Int, seed: UInt64) -> [(event: RowID, participant: RowID, status: String)] {
        var random = SeededRandom(seed: seed)
        let events = (0..<max(1, count / 100)).map { _ in RowID.make(milliseconds: 1_700_000_000_000, using: &random) }
        let participants = (0..<100).map { _ in RowID.make(milliseconds: 1_700_000_000_000, using: &random) }
        return (0..<count).map { index in
            (events[index / 100], participants[index % 100], Self.statuses[Int(random.next() % 4)])
        }
    }

    // MARK: P1

    func attendanceWrites() throws -> [BenchResult] {
        let partition = PartitionID(.init(high: 1, low: 1))
        let single = marks(scale.singleWrites, seed: 1)
        let plain = try plainDatabase("p1-plain-single")
        let plainSingle = try measure {
            for mark in single {
                try plain.write { db in
                    try db.execute(
                        sql: Self.upsertSQL,
                        arguments: [mark.event.rawValue.data, mark.participant.rawValue.data, mark.status])
                }
            }
        }
        let engine = try replica("p1-engine-single")
        let engineSingle = try measure {
            for mark in single {
                try engine.write { tx in
                    try tx.set(
                        table: "attendance", key: RowKey(mark.event, mark.participant), partition: partition,
                        values: ["status": .text(mark.status), "remark": .null])
                }
            }
        }

        let bulk = marks(scale.bulkWrites, seed: 2)
        let plainBulkDB = try plainDatabase("p1-plain-bulk")
        let plainBulk = try measure {
            try plainBulkDB.write { db in
                let statement = try db.makeStatement(sql: Self.upsertSQL)
                for mark in bulk {
                    try statement.execute(arguments: [
                        mark.event.rawValue.data, mark.participant.rawValue.data, mark.status,
                    ])
                }
            }
        }
        let engineBulkStore = try replica("p1-engine-bulk")
        let engineBulk = try measure {
            try engineBulkStore.write { tx in
                for mark in bulk {
                    try tx.set(
                        table: "attendance", key: RowKey(mark.event, mark.participant), partition: partition,
                        values: ["status": .text(mark.status), "remark": .null])
                }
            }
        }
        // Signing adds nothing to a write; a push signs each frame's changes to its end.
        // Its cost: the push's frames (16 KB, as the client cuts them) read alone, then
        // read and signed, of the 100,000 writes above (one round of 4 MB holds about a
        // third of them; here all in one).
        func pushFrames(signed: Bool) throws {
            var assembler = FrameAssembler(peer: Knowledge())
            var frames: [ChangeBatch] = []
            while true {
                let frame = try engineBulkStore.nextFrame(&assembler, byteBudget: 16 << 10)
                guard !frame.batch.ranges.isEmpty else { break }
                frames.append(frame.batch)
                guard frame.hasMore else { break }
            }
            // As `SyncClient` signs a round's push: every frame of it in one transaction.
            if signed { _ = try engineBulkStore.proving(frames) }
        }
        let unsignedPush = try measure { try pushFrames(signed: false) }
        let signedPush = try measure { try pushFrames(signed: true) }
        return [
            BenchResult(
                id: "P1a", what: "\(single.count) writes, 1 transaction each",
                figure: String(format: "%.0f µs/write", engineSingle / Double(single.count) * 1e6),
                baseline: String(format: "%.0f µs/write", plainSingle / Double(single.count) * 1e6),
                ratio: engineSingle / plainSingle, goal: "≤ 1.5×"),
            BenchResult(
                id: "P1b", what: "\(bulk.count) writes, 1 transaction",
                figure: String(format: "%.2f s", engineBulk), baseline: String(format: "%.2f s", plainBulk),
                ratio: engineBulk / plainBulk, goal: "≤ 2.5×"),
            BenchResult(
                id: "P1s", what: "push frames of those writes, signed",
                figure: String(format: "%.2f s", signedPush), baseline: String(format: "%.2f s unsigned", unsignedPush),
                ratio: signedPush / unsignedPush, goal: "≤ 1.15×"),
        ]
    }

    // MARK: P2

    /// A server replica file holding about `changes` changes of synthetic history.
    func historyFile(changes: Int) throws -> String {
        let path = "\(folder)/history-\(changes).sqlite"
        guard !FileManager.default.fileExists(atPath: path) else { return path }
        let replica = try ReplicaStore.create(
            at: path, name: "history", schema: NPQSchema.current, genesis: Programme.genesis)
        for history in histories(replicas: max(1, changes / scale.mergeChangesPerReplica)) {
            try replica.merge(history, from: history.changes[0].origin)
        }
        return path
    }

    /// Synthetic histories of `replicas` origins, each marking attendance in its own
    /// cohort's events in hybrid-time order: 80% new marks, 19% corrections of its own
    /// earlier marks, 1% marks of cells another origin also writes (concurrent edits).
    func histories(replicas: Int? = nil) -> [ChangeBatch] {
        let replicas = replicas ?? scale.mergeReplicas
        let partition = PartitionID(.init(high: 2, low: 2))
        var random = SeededRandom(seed: 3)
        let perReplica = scale.mergeChangesPerReplica
        let participants = (0..<100).map { _ in RowID.make(milliseconds: 1_700_000_000_000, using: &random) }
        let events = (0..<(replicas * perReplica / 100 + 1)).map { _ in
            RowID.make(milliseconds: 1_700_000_000_000, using: &random)
        }
        func key(_ cell: Int) -> RowKey { RowKey(events[cell / 100], participants[cell % 100]) }
        return (0..<replicas).map { index in
            let origin = ReplicaID.random(using: &random)
            let base = index * perReplica
            var time = 1_700_000_000_000 as UInt64
            var written = 0
            var changes: [Change] = []
            changes.reserveCapacity(perReplica)
            for sequence in 1...UInt64(perReplica) {
                time += 1 + random.next() % 50
                let roll = random.next() % 100
                let cell: Int
                if roll == 0 {
                    cell = Int(random.next() % UInt64(replicas * perReplica))
                } else if roll < 20 && written > 0 {
                    cell = base + Int(random.next() % UInt64(written))
                } else {
                    cell = base + written
                    written += 1
                }
                changes.append(
                    Change(
                        partition: partition, table: "attendance", key: key(cell), column: "status",
                        value: .text(Self.statuses[Int(random.next() % 4)]),
                        stamp: Stamp(time: HLC(milliseconds: time, counter: UInt16(index)), origin: origin),
                        sequence: sequence, previous: nil))
            }
            return ChangeBatch(
                changes: changes,
                ranges: [
                    StreamRange(
                        stream: StreamID(partition: partition, origin: origin), after: 0, through: UInt64(changes.count)
                    )
                ])
        }
    }

    func bulkMerge() throws -> [BenchResult] {
        let histories = histories()
        let total = histories.reduce(0) { $0 + $1.changes.count }
        let plain = try plainDatabase("p2-plain")
        let plainTime = try measure {
            for history in histories {
                try plain.write { db in
                    let statement = try db.makeStatement(sql: Self.upsertSQL)
                    for change in history.changes {
                        try statement.execute(arguments: [
                            change.key.first.rawValue.data, change.key.second!.rawValue.data, change.value.text!,
                        ])
                    }
                }
            }
        }
        let engine = try replica("p2-engine")
        var report = BatchMerger.Report()
        let engineTime = try measure {
            for history in histories { report.add(try engine.merge(history, from: history.changes[0].origin)) }
        }
        // The same histories signed by their origins, merged as the server merges pushes:
        // every change hashed into its stream's chain, one signature checked per stream.
        let signed = histories.map { history in
            let key = OriginSigningKey()
            var head = StreamChain.genesis(of: history.ranges[0].stream, base: 0)
            for change in history.changes { head = StreamChain.link(head, change.digest) }
            var proven = history
            proven.proofs = [
                StreamProof(
                    certificate: StreamCertificate(
                        stream: history.ranges[0].stream, base: 0, through: history.ranges[0].through, head: head,
                        signedWith: key))
            ]
            return (proven, key.publicKey)
        }
        let checking = try replica("p2-engine-signed")
        for (history, key) in signed { try checking.pin(key, for: history.changes[0].origin) }
        let chains = BatchMerger.ChainCheck(trustsUnproven: { _ in true })
        let checkingTime = try measure {
            for (history, _) in signed {
                _ = try checking.merge(history, from: history.changes[0].origin, chains: chains)
            }
        }
        return [
            BenchResult(
                id: "P2", what: "merge \(total) changes from \(histories.count) replicas",
                figure: String(format: "%.0f changes/s", Double(total) / engineTime),
                baseline: String(format: "%.0f upserts/s", Double(total) / plainTime), ratio: engineTime / plainTime,
                goal: "≥ 300k/s, ≤ 2×"),
            BenchResult(
                id: "P2·", what: "  of which conflicts / superseded",
                figure: "\(report.conflicts) / \(report.superseded)",
                baseline: "-", ratio: nil, goal: ""),
            BenchResult(
                id: "P2s", what: "  the same, signed, every chain checked",
                figure: String(format: "%.0f changes/s", Double(total) / checkingTime),
                baseline: String(format: "%.0f changes/s", Double(total) / engineTime),
                ratio: checkingTime / engineTime, goal: "≤ 1.15×"),
        ]
    }

    // MARK: P6

    func fileSize() throws -> [BenchResult] {
        let rows = marks(scale.bulkWrites, seed: 4)
        let partition = PartitionID(.init(high: 1, low: 1))
        let plain = try plainDatabase("p6-plain")
        try plain.write { db in
            let statement = try db.makeStatement(sql: Self.upsertSQL)
            for mark in rows {
                try statement.execute(arguments: [
                    mark.event.rawValue.data, mark.participant.rawValue.data, mark.status,
                ])
            }
        }
        let engine = try replica("p6-engine")
        try engine.write { tx in
            for mark in rows {
                try tx.set(
                    table: "attendance", key: RowKey(mark.event, mark.participant), partition: partition,
                    values: ["status": .text(mark.status), "remark": .null])
            }
        }
        let plainBytes = try compactedSize(plain)
        let engineBytes = try compactedSize(engine.database)
        return [
            BenchResult(
                id: "P6", what: "file size, \(rows.count) attendance rows",
                figure: "\(engineBytes / 1024) KiB", baseline: "\(plainBytes / 1024) KiB",
                ratio: Double(engineBytes) / Double(plainBytes), goal: "≤ 1.5×")
        ]
    }

    /// The database's size after a checkpoint and VACUUM: what it needs, not what it grew to.
    func compactedSize(_ database: any DatabaseWriter) throws -> Int {
        try database.writeWithoutTransaction { db in
            try db.execute(sql: "VACUUM")
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let size = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0
            return pages * size
        }
    }
}
