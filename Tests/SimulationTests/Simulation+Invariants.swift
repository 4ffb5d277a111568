import Fieldbook
import FieldbookCore
import FieldbookStore
import Foundation
import GRDB

extension Simulation {
    /// The promises, checked once everyone has synced to quiescence.
    func checkInvariants() async throws {
        // The server's content as a replica file (on PostgreSQL: pulled through its store).
        let serverStore = try await server.content()
        let everyone: [(name: String, fieldbook: Fieldbook)] =
            [("server", Fieldbook(store: serverStore))] + replicas.map { ("replica \($0.index)", $0.fieldbook) }
        let waiting = try await server.sync.quarantined().filter { !keptLocal($0.change.stream) }
        guard waiting.isEmpty else {
            throw SimulationFailure(description: "the server still holds \(waiting.count) quarantined changes")
        }

        // Nothing waits anywhere; but skewed changes that came in a bundle may wait where
        // nothing will settle them: of another cohort, on a facilitator's laptop (it never
        // receives that cohort's streams), or of what a facilitator kept on its laptop (no
        // server holds those streams).
        for (name, fieldbook) in everyone {
            var counts = try fieldbook.store.logCounts()
            let readable = replicas.first(where: { $0.fieldbook.store === fieldbook.store })?.readable
            counts.quarantined = try fieldbook.store.quarantined().count { entry in
                let change = entry.change
                if let readable, !readable.contains(change.partition) { return false }
                return !keptLocal(change.stream)
            }
            guard counts.quarantined == 0, counts.pending == 0 else {
                throw SimulationFailure(
                    description:
                        "\(name) still holds \(counts.quarantined) quarantined, \(counts.pending) pending changes")
            }
        }

        // Vectors equal everywhere (a facilitator's: for what its token reads).
        let knowledge = try serverStore.knowledge()
        for replica in replicas where replica.cohort == nil {
            guard try replica.store.knowledge() == knowledge else {
                throw SimulationFailure(description: "replica \(replica.index)'s knowledge differs from the server's")
            }
        }
        for replica in replicas where replica.cohort != nil {
            try checkFacilitator(replica, against: knowledge, server: serverStore)
        }

        // Identical data, winners' stamps, ledger and exports everywhere (a facilitator's
        // winners were compared above).
        let reference = try snapshot(everyone[0].fieldbook)
        serverSnapshot = reference
        for (name, fieldbook) in everyone.dropFirst()
        where replicas.first(where: { $0.fieldbook.store === fieldbook.store })?.cohort == nil {
            let other = try snapshot(fieldbook)
            for (part, text) in reference where other[part] != text {
                throw SimulationFailure(
                    description:
                        "\(name)'s \(part) differs from the server's:\n\(firstDifference(text, other[part] ?? ""))")
            }
        }

        // No change applied twice: log rows unique, within the vectors, and the server's merge
        // counts equal to the changes it holds from others.
        for (name, fieldbook) in everyone { try checkLog(fieldbook.store, name: name) }
        let heldFromOthers = try serverStore.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM (SELECT id FROM fb_cells UNION ALL SELECT id FROM fb_history
                        UNION ALL SELECT id FROM fb_pending) AS l
                    JOIN fb_streams s ON s.id = (l.id >> 32) JOIN fb_replicas r ON r.id = s.origin
                    WHERE r.replica NOT IN (?, ?, ?)
                    """,
                arguments: [
                    server.replicaID.rawValue.data, serverStore.replicaID.rawValue.data,
                    ReplicaID.genesis.rawValue.data,
                ]) ?? 0
        }
        let mergedOnce = server.merged.applied + server.merged.superseded + server.merged.unknown
        guard heldFromOthers == mergedOnce else {
            throw SimulationFailure(
                description: "the server merged \(mergedOnce) changes but holds \(heldFromOthers) from other replicas")
        }
        stats.serverDuplicates = server.merged.duplicates
        stats.conflicts = try serverStore.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM conflicts") ?? 0
        }

        try checkWritesAccountedFor(server: serverStore)
        try await checkByzantineScope()
    }

    /// Every write the workload made is the winner of its cell, or in the conflict ledger,
    /// or was overwritten by a write that had seen it, or holds the same value as such a
    /// version (two versions with equal values lose nothing, whichever wins).
    func checkWritesAccountedFor(server serverStore: ReplicaStore) throws {
        var versions: [LogPosition: Change] = [:]
        var byCell: [CellAddress: [Change]] = [:]
        for store in [serverStore] + replicas.map(\.store) {
            for change in try store.changes(for: Knowledge(), byteBudget: .max).batch.changes {
                let position = LogPosition(stream: change.stream, sequence: change.sequence)
                guard versions[position] == nil else { continue }
                versions[position] = change
                byCell[change.cell, default: []].append(change)
            }
        }
        var accountedValues: [CellAddress: Set<Value>] = [:]
        func accountedFor(_ change: Change) throws -> Set<Value> {
            if let known = accountedValues[change.cell] { return known }
            var values: Set<Value> = []
            if let winner = try serverStore.version(of: change.cell) { values.insert(winner.value) }
            let others = byCell[change.cell, default: []]
            for version in others {
                let inLedger = try Self.ledgerHolds(version, in: serverStore)
                let overwritten = others.contains { other in
                    (other.stream == version.stream && other.sequence > version.sequence)
                        || other.previous == version.stamp
                }
                if inLedger || overwritten { values.insert(version.value) }
            }
            accountedValues[change.cell] = values
            return values
        }
        for (position, write) in writes {
            let change = versions[position] ?? write.change
            guard change.cell == write.change.cell, change.value == write.change.value else {
                throw SimulationFailure(
                    description:
                        "the change at \(position) is now \(change), but replica \(write.replica) wrote \(write.change)"
                )
            }
            // The ledger's own cells never enter the ledger (a resolution racing another
            // keeps the later one, by design); that ledgers match everywhere is checked apart.
            if change.cell.table == ConflictEntry.table { continue }
            let winner = try serverStore.version(of: change.cell)
            if winner?.stamp == change.stamp { continue }
            if try Self.ledgerHolds(change, in: serverStore) { continue }
            let overwritten = byCell[change.cell, default: []].contains { other in
                (other.stream == change.stream && other.sequence > change.sequence) || other.previous == change.stamp
            }
            if overwritten { continue }
            if try accountedFor(change).contains(change.value) { continue }
            let history = byCell[change.cell, default: []].sorted { $0.stamp < $1.stamp }.map { "\n    \($0)" }.joined()
            throw SimulationFailure(
                description:
                    "replica \(write.replica)'s write at step \(write.step) was lost: \(change); the cell holds \(winner.map { "\($0.value) \($0.stamp)" } ?? "nothing"); its versions:\(history)"
            )
        }
    }

    /// Whether `stream` is one a facilitator keeps on its laptop (its own, outside its
    /// cohort): others hold what bundles brought them of it, the server at most what an
    /// office laptop relayed.
    func keptLocal(_ stream: StreamID) -> Bool {
        replicas.first { $0.replicaID == stream.origin }?.keepsLocal(stream) ?? false
    }

    /// A facilitator's laptop holds, for every partition its token reads, what the server
    /// holds: the same vector entries and the same winner in every cell. What it wrote
    /// elsewhere stays on it and is left out on both sides (the server may hold some of
    /// it, relayed by an office laptop that imported a bundle from it); what it imported
    /// of other cohorts is left out too.
    func checkFacilitator(
        _ replica: SimulatedReplica, against serverKnowledge: Knowledge, server serverStore: ReplicaStore
    ) throws {
        let readable = replica.readable ?? []
        func restricted(_ knowledge: Knowledge) -> [StreamID: UInt64] {
            var entries: [StreamID: UInt64] = [:]
            for stream in knowledge.streams where readable.contains(stream.partition) && !keptLocal(stream) {
                entries[stream] = knowledge[stream]
            }
            return entries
        }
        let own = restricted(try replica.store.knowledge())
        let theirs = restricted(serverKnowledge)
        guard own == theirs else {
            let differing = Set(own.keys).union(theirs.keys).filter { own[$0] != theirs[$0] }.prefix(4).map {
                "\n  \($0.partition) \($0.origin.short): here \(own[$0] ?? 0), server \(theirs[$0] ?? 0)"
            }
            throw SimulationFailure(
                description:
                    "facilitator replica \(replica.index)'s knowledge of its partitions differs from the server's"
                    + differing.joined())
        }
        func winners(_ store: ReplicaStore) throws -> [CellAddress: Change] {
            var result: [CellAddress: Change] = [:]
            let changes = try store.changes(for: Knowledge(), partitions: readable, byteBudget: .max).batch.changes
            for change in changes where !keptLocal(change.stream) {
                if let current = result[change.cell], current.stamp > change.stamp { continue }
                result[change.cell] = change
            }
            return result
        }
        let here = try winners(replica.store)
        let there = try winners(serverStore)
        for (cell, change) in there where here[cell]?.stamp != change.stamp || here[cell]?.value != change.value {
            throw SimulationFailure(
                description:
                    "facilitator replica \(replica.index) holds \(here[cell].map { "\($0.value) \($0.stamp)" } ?? "nothing") for \(cell), the server \(change.value) \(change.stamp)"
            )
        }
        if let extra = here.keys.first(where: { there[$0] == nil }) {
            throw SimulationFailure(
                description: "facilitator replica \(replica.index) holds \(extra), which the server does not")
        }
        stats.facilitators += 1
    }

    /// Whether the ledger holds an entry for `version` as a losing value of its cell.
    static func ledgerHolds(_ version: Change, in store: ReplicaStore) throws -> Bool {
        let key = ConflictEntry.key(cell: version.cell, loser: version.stamp)
        return try store.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM conflicts WHERE id = ?", arguments: [key.first.rawValue.data])
                ?? false
        }
    }

    /// Log rows are unique (no change in both the winners and the history) and none is
    /// above its stream's vector entry.
    func checkLog(_ store: ReplicaStore, name: String) throws {
        let (both, beyond) = try store.read { db in
            (
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM (SELECT id FROM fb_cells INTERSECT SELECT id FROM fb_history)") ?? 0,
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT count(*) FROM (SELECT id FROM fb_cells UNION ALL SELECT id FROM fb_history) AS l
                        JOIN fb_streams s ON s.id = (l.id >> 32) WHERE (l.id & 4294967295) > s.held
                        """) ?? 0
            )
        }
        guard both == 0, beyond == 0 else {
            throw SimulationFailure(
                description:
                    "\(name)'s log has \(both) changes both winning and superseded, \(beyond) beyond its vector")
        }
    }

    /// What must be identical on every replica: every replicated table (values, tombstones
    /// and the winning stamp of each cell), and the exports people read.
    func snapshot(_ fieldbook: Fieldbook) throws -> [String: String] {
        var parts: [String: String] = [
            "attendance export": try fieldbook.exportAttendance(format: .json),
            "notes export": try fieldbook.exportNotes(format: .json),
            "conflict ledger": try Fieldbook.json(try fieldbook.conflicts(includeResolved: true)),
        ]
        let store = fieldbook.store
        try store.read { db in
            for table in store.schema.tables {
                let keys = table.keyColumns.map(\.quotedDatabaseIdentifier)
                let columns = table.allColumns.map(\.name)
                var lines: [String] = []
                let stamps = columns.map { column in
                    """
                    (SELECT c.hlc || '@' || hex(r.replica) FROM fb_cells c JOIN fb_streams s ON s.id = (c.id >> 32)
                     JOIN fb_replicas r ON r.id = s.origin WHERE c.id = t.\((column + "__v").quotedDatabaseIdentifier))
                    """
                }
                let select =
                    (keys.map { "hex(t.\($0))" } + columns.map { "quote(t.\($0.quotedDatabaseIdentifier))" } + stamps)
                    .joined(separator: ", ")
                let rows = try Row.fetchAll(
                    db,
                    sql:
                        "SELECT \(select) FROM \(table.name.quotedDatabaseIdentifier) AS t ORDER BY \(keys.joined(separator: ", "))"
                )
                for row in rows {
                    lines.append(row.databaseValues.map { $0.isNull ? "∅" : "\($0)" }.joined(separator: " | "))
                }
                parts["table \(table.name)"] = lines.joined(separator: "\n")
            }
        }
        return parts
    }

    func firstDifference(_ left: String, _ right: String) -> String {
        let a = left.split(separator: "\n", omittingEmptySubsequences: false)
        let b = right.split(separator: "\n", omittingEmptySubsequences: false)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? String(a[index]) : "(end)"
            let y = index < b.count ? String(b[index]) : "(end)"
            if x != y { return "line \(index + 1):\n  server: \(x)\n  here:   \(y)" }
        }
        return "(same lines)"
    }
}
