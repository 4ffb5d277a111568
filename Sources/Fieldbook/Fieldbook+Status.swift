import FieldbookCore
import FieldbookStore
import Foundation
import GRDB

/// What `fieldbook status` reports.
public struct ReplicaStatus: Hashable, Sendable, Codable {
    public var replicaID: ReplicaID
    public var name: String
    public var path: String
    public var cohorts: Int
    public var venues: Int
    public var participants: Int
    public var events: Int
    public var attendanceMarks: Int
    public var notes: Int
    /// This replica's own changes the sync server does not hold yet (as of the last sync)
    /// and that its token may push.
    public var unsyncedChanges: UInt64
    /// Own changes in partitions the token may not push (a venue added on a facilitator's
    /// laptop): they stay on this replica and travel only in bundles.
    public var localOnlyChanges: UInt64
    /// Open conflicts, counted as `conflicts` lists them (a contested mark once).
    public var openConflicts: Int
    public var quarantinedChanges: Int
    /// The sync server's URL, if set.
    public var server: String?
    /// When the last sync completed, UTC ISO 8601.
    public var lastSync: String?
}

extension Fieldbook {
    /// The name under which the sync server's knowledge is remembered.
    public static let serverPeer = "server"

    /// Own changes the server lacks, split into those that wait for the next sync and
    /// those in partitions the device's token may not push (known after a first sync).
    public func unsyncedChanges() throws -> (waiting: UInt64, localOnly: UInt64) {
        let local = try store.knowledge()
        let server = try store.peerKnowledge(Self.serverPeer)
        // Until a first sync tells us the token's scope, every change counts as waiting.
        let scope = try store.setting(SyncScope.settingKey).map(SyncScope.init(storedForm:)) ?? .unknown
        let writable = scope == .unknown ? nil : scope.partitions
        var waiting: UInt64 = 0
        var localOnly: UInt64 = 0
        for stream in local.streams where stream.origin == store.replicaID {
            let missing = local[stream] - min(local[stream], server[stream])
            if writable?.contains(stream.partition) ?? true { waiting += missing } else { localOnly += missing }
        }
        return (waiting, localOnly)
    }

    /// A SQL expression naming a ledger entry's column group (its column outside any).
    var groupOfColumnSQL: String {
        let cases = store.schema.tables.flatMap { table in
            table.columnGroups.map { group in
                let columns = group.map { "'\($0)'" }.joined(separator: ", ")
                return
                    "WHEN cell_table = '\(table.name)' AND cell_column IN (\(columns)) THEN '\(group.joined(separator: "+"))'"
            }
        }
        return cases.isEmpty ? "cell_column" : "CASE \(cases.joined(separator: " ")) ELSE cell_column END"
    }

    /// Counts, sync state, conflicts and quarantine.
    public func status() throws -> ReplicaStatus {
        let groupOfColumn = groupOfColumnSQL
        let counts = try store.read { db in
            try [
                NPQSchema.Table.cohorts, NPQSchema.Table.venues, NPQSchema.Table.participants, NPQSchema.Table.events,
                NPQSchema.Table.attendance, NPQSchema.Table.notes,
            ].map { table in
                // A cleared mark leaves its row with no status: it is no mark.
                let marked = table == NPQSchema.Table.attendance ? " AND status IS NOT NULL" : ""
                return try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table) WHERE deleted = 0\(marked)") ?? 0
            } + [
                // One per value that lost, as `conflicts` lists them: a contested mark's
                // status and remark entries count once.
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT count(*) FROM (
                            SELECT DISTINCT cell_table, cell_key, loser_time, loser_origin, \(groupOfColumn)
                            FROM conflicts
                            WHERE deleted = 0 AND resolved_time IS NULL AND \(Self.completeEntry))
                        """
                ) ?? 0
            ]
        }
        let log = try store.logCounts()
        let unsynced = try unsyncedChanges()
        return ReplicaStatus(
            replicaID: store.replicaID, name: try store.name(), path: store.path, cohorts: counts[0], venues: counts[1],
            participants: counts[2], events: counts[3], attendanceMarks: counts[4], notes: counts[5],
            unsyncedChanges: unsynced.waiting, localOnlyChanges: unsynced.localOnly,
            openConflicts: counts[6], quarantinedChanges: log.quarantined, server: try store.setting("server.url"),
            lastSync: try store.setting("server.last_sync"))
    }
}
