import Fieldbook
import FieldbookCore

extension ConsoleStore {
    /// How many records wait for the office: one count, no entry read.
    ///
    /// A record is a cell, or a column group (an attendance mark) whose differing columns
    /// filed an entry each, so a mark that lost a merge counts once, as the conflicts page
    /// shows it.
    public func openConflictCount() async throws -> Int {
        try await query(
            """
            SELECT count(*) AS n FROM (
                SELECT DISTINCT cell_table, cell_key, \(Self.groupOfColumn) AS shown FROM conflicts
                WHERE deleted = 0 AND resolved_time IS NULL AND \(ConsoleSchema.completeEntry)) open_records
            """, []
        ).first?.int("n") ?? 0
    }

    /// The open conflicts as the office reviews them: one item per record (a cell, or a
    /// column group such as an attendance mark shown whole), each with the current version
    /// and every concurrent version that lost, oldest first.
    ///
    /// - Complexity: a fixed number of queries whatever the number of entries: the ledger
    ///   with each cell's winner (``conflicts(includeResolved:)``), the current values of
    ///   group columns no entry speaks for (only when there are some), and the records'
    ///   descriptions.
    public func conflictItems() async throws -> [ConflictItem] {
        let entries = try await conflicts(includeResolved: false)
        guard !entries.isEmpty else { return [] }
        var order: [ConflictRecord] = []
        var byRecord: [ConflictRecord: [ConflictView]] = [:]
        for entry in entries {
            let columns = NPQSchema.current.table(entry.table)?.group(of: entry.column) ?? [entry.column]
            let record = ConflictRecord(table: entry.table, key: entry.key, columns: columns)
            if byRecord[record] == nil { order.append(record) }
            byRecord[record, default: []].append(entry)
        }
        // A loser's column that held the winner's value filed no entry: both versions hold
        // the column's current value.
        var unfiled: [CellAddress] = []
        for record in order {
            for column in record.columns where !byRecord[record]!.contains(where: { $0.column == column }) {
                unfiled.append(CellAddress(table: record.table, key: record.key, column: column))
            }
        }
        let current = unfiled.isEmpty ? [:] : try await currentVersions(of: unfiled)
        let subjects = try await conflictSubjects()
        return order.map { record in
            let filed = byRecord[record]!
            let winnerValues = record.columns.map { column -> String? in
                if let entry = filed.first(where: { $0.column == column }) { return entry.winner.value }
                return current[CellAddress(table: record.table, key: record.key, column: column)]?.value
            }
            let winner = filed[0].winner
            // A losing version is one stamp: each of its differing columns filed an entry.
            var losers: [ConflictItem.Side] = []
            var loserIndex: [ConflictLoserStamp: Int] = [:]
            for entry in filed.sorted(by: { ($0.loser.hlc, $0.id.description) < ($1.loser.hlc, $1.id.description) }) {
                let stamp = ConflictLoserStamp(origin: entry.loser.origin, hlc: entry.loser.hlc)
                let index: Int
                if let known = loserIndex[stamp] {
                    index = known
                } else {
                    // Its columns that filed no entry held the winner's values.
                    losers.append(
                        ConflictItem.Side(
                            entry: entry.id, values: winnerValues, origin: entry.loser.origin,
                            writtenAt: entry.loser.writtenAt, entries: []))
                    index = losers.count - 1
                    loserIndex[stamp] = index
                }
                losers[index].entries.insert(entry.id)
                if let column = record.columns.firstIndex(of: entry.column) {
                    losers[index].values[column] = entry.loser.value
                }
            }
            return ConflictItem(
                table: record.table, key: record.key, columns: record.columns,
                subject: subjects[ConflictSubjectKey(table: record.table, key: record.key)]
                    ?? Self.fallbackSubject(record.table, record.key),
                winner: ConflictItem.Side(
                    entry: filed[0].id, values: winnerValues, origin: winner.origin, writtenAt: winner.writtenAt,
                    entries: Set(filed.map(\.id))),
                losers: losers)
        }
    }

    /// Replica names by ID, for authors: one query of the `devices` table.
    public func replicaNames() async throws -> [ReplicaID: String] {
        var names: [ReplicaID: String] = [:]
        for row in try await query("SELECT replica_id, name FROM devices WHERE deleted = 0 ORDER BY id", []) {
            guard let replica = row.id("replica_id"), let name = row["name"] else { continue }
            let id = ReplicaID(replica.rawValue)
            if names[id] == nil { names[id] = name }
        }
        return names
    }

    /// Every record with an open ledger entry in words (`李伟 · "Webinar: Evidence"
    /// 2026-03-10T12:00`): one query, joining the ledger to the tables it names by key.
    func conflictSubjects() async throws -> [ConflictSubjectKey: String] {
        let attendance = NPQSchema.Table.attendance
        let rows = try await query(
            """
            SELECT DISTINCT l.cell_table AS tbl, l.cell_key AS k, ap.name AS who, ae.title AS title,
                   ae.starts AS starts, coalesce(pp.name, ee.title, cc.name, vv.school) AS label
            FROM conflicts l
            LEFT JOIN participants ap ON l.cell_table = '\(attendance)' AND ap.id = substr(l.cell_key, 17, 16)
            LEFT JOIN events ae ON l.cell_table = '\(attendance)' AND ae.id = substr(l.cell_key, 1, 16)
            LEFT JOIN participants pp ON l.cell_table = '\(NPQSchema.Table.participants)' AND pp.id = l.cell_key
            LEFT JOIN events ee ON l.cell_table = '\(NPQSchema.Table.events)' AND ee.id = l.cell_key
            LEFT JOIN cohorts cc ON l.cell_table = '\(NPQSchema.Table.cohorts)' AND cc.id = l.cell_key
            LEFT JOIN venues vv ON l.cell_table = '\(NPQSchema.Table.venues)' AND vv.id = l.cell_key
            WHERE l.deleted = 0 AND l.resolved_time IS NULL AND \(ConsoleSchema.completeEntry)
            """, [])
        var subjects: [ConflictSubjectKey: String] = [:]
        for row in rows {
            guard let table = row["tbl"], case .blob(let bytes)? = row.values["k"], let key = RowKey(bytes: bytes)
            else { continue }
            if table == attendance {
                let event = row["title"].map { "\"\($0)\" " + (row["starts"] ?? "") } ?? "?"
                subjects[ConflictSubjectKey(table: table, key: key)] = "\(row["who"] ?? "?") · \(event)"
            } else if let label = row["label"] {
                subjects[ConflictSubjectKey(table: table, key: key)] = label
            }
        }
        return subjects
    }

    static func fallbackSubject(_ table: String, _ key: RowKey) -> String {
        table == NPQSchema.Table.notes ? "note " + key.first.short : "\(table) \(key)"
    }

    /// SQL naming the column a ledger entry is shown under: the first column of its
    /// column group, else its own column.
    static var groupOfColumn: String {
        let cases = NPQSchema.current.tables.flatMap { table in
            table.columnGroups.map { group in
                "WHEN cell_table = '\(table.name)' AND cell_column IN ("
                    + group.map { "'\($0)'" }.joined(separator: ", ") + ") THEN '\(group[0])'"
            }
        }
        return cases.isEmpty ? "cell_column" : "CASE " + cases.joined(separator: " ") + " ELSE cell_column END"
    }
}

/// A conflicting record: a cell, or the columns of its group.
private struct ConflictRecord: Hashable {
    var table: String
    var key: RowKey
    var columns: [String]
}

/// A losing version's stamp, which its entries share.
private struct ConflictLoserStamp: Hashable {
    var origin: ReplicaID?
    var hlc: UInt64
}

/// A record's table and key, as the subjects are looked up.
struct ConflictSubjectKey: Hashable {
    var table: String
    var key: RowKey
}
