import Fieldbook
import FieldbookCore

extension ConsoleStore {
    /// How many ledger entries wait for the office: one count, no entry read.
    public func openConflictCount() async throws -> Int {
        try await query(
            """
            SELECT count(*) AS n FROM conflicts
            WHERE deleted = 0 AND resolved_time IS NULL AND \(ConsoleSchema.completeEntry)
            """, []
        ).first?.int("n") ?? 0
    }

    /// A conflicting record in words: `Li Wei at "Module 1" 2024-03-02T09:00`.
    public func describe(table: String, key: RowKey) async throws -> String {
        func text(_ sql: String, _ id: RowID) async throws -> String? {
            try await query(sql, [.id(id)]).first?["label"]
        }
        switch table {
        case NPQSchema.Table.attendance:
            let who = try await text("SELECT name AS label FROM participants WHERE id = ?", key.second ?? key.first)
            let what = try await text(
                "SELECT '\"' || title || '\" ' || starts AS label FROM events WHERE id = ?", key.first)
            return "\(who ?? "?") · \(what ?? "?")"
        case NPQSchema.Table.participants:
            return try await text("SELECT name AS label FROM participants WHERE id = ?", key.first) ?? key.description
        case NPQSchema.Table.events:
            return try await text("SELECT title AS label FROM events WHERE id = ?", key.first) ?? key.description
        case NPQSchema.Table.cohorts:
            return try await text("SELECT name AS label FROM cohorts WHERE id = ?", key.first) ?? key.description
        case NPQSchema.Table.venues:
            return try await text("SELECT school AS label FROM venues WHERE id = ?", key.first) ?? key.description
        case NPQSchema.Table.notes:
            return "note " + key.first.short
        default:
            return "\(table) \(key)"
        }
    }

    /// Replica names by ID, for authors.
    public func replicaNames() async throws -> [ReplicaID: String] {
        var names: [ReplicaID: String] = [:]
        for laptop in try await laptops() { names[laptop.replicaID] = laptop.name }
        return names
    }
}
