import FieldbookCore
import Hummingbird

/// Conflicts side by side, one item per record (an attendance mark shown whole, status
/// and remark, though it files an entry per differing column); an admin keeps one version.
///
/// Keeping a version writes the whole record again (on SQLite through the same domain call
/// as `fieldbook-server conflicts resolve`): an ordinary replicated change by the server's
/// replica, which every laptop receives on its next sync and which closes the record's
/// ledger entries everywhere. The audit log names the office user who chose.
struct ConsoleConflictRoutes {
    let console: OfficeConsole

    func collection() -> RouteCollection<BasicRequestContext> {
        let routes = console.makeCollection()
        routes.get("/conflicts") { request, _ in try await list(request) }
        routes.post("/conflicts/:id/keep") { request, context in try await keep(request, id: try context.rowID()) }
        return routes
    }

    func list(_ request: Request) async throws -> Response {
        let session = try await console.session(request)
        let store = console.store
        let time = ConsoleTime(language: ConsoleLanguage.negotiate(request).language)
        let names = try await store.replicaNames()
        let strings = console.renderer.strings(for: request)
        let canKeep = session.isAdmin
        func author(_ origin: ReplicaID?) -> String {
            guard let origin else { return "?" }
            return names[origin].map { "\($0) (\(origin.short))" } ?? origin.short
        }
        var conflicts: [[String: Any]] = []
        for item in try await store.conflictItems() {
            let labels = item.columns.map { strings[$0] ?? $0 }
            func version(_ version: ConflictItem.Side, side: String) -> [String: Any] {
                [
                    "side": side, "label": strings[side]!,
                    "fields": zip(labels, version.values).map { label, value in
                        ["name": label, "value": value ?? "–"]
                    },
                    "author": author(version.origin), "written": time.format(milliseconds: version.writtenAt),
                    "conflictID": version.entry.description, "canKeep": canKeep,
                ]
            }
            conflicts.append([
                "subject": item.subject, "column": labels.joined(separator: ", "),
                "versions": [version(item.winner, side: "winner")] + item.losers.map { version($0, side: "loser") },
            ])
        }
        return console.renderer.page(
            "conflicts", title: strings["conflicts"]!,
            data: ["conflicts": conflicts], request: request,
            session: session)
    }

    /// Keeps the version the form names (`side`: `winner`, or `loser` for the losing
    /// version the entry in the URL belongs to) of the whole record.
    func keep(_ request: Request, id: RowID) async throws -> Response {
        let session = try await console.adminSession(request)
        let fields = try await console.form(request, csrf: session.csrf)
        guard let side = fields["side"], side == "winner" || side == "loser" else {
            throw ConsoleError(.badRequest, "choose the version to keep")
        }
        guard let item = try await console.store.conflictItems().first(where: { $0.winner.entries.contains(id) }) else {
            throw ConsoleError(.notFound, "this conflict is resolved already, or does not exist")
        }
        let kept = side == "winner" ? item.winner : item.losers.first { $0.entries.contains(id) }
        guard let kept else {
            throw ConsoleError(.badRequest, "this entry belongs to the current version; keep it as the winner")
        }
        try await console.store.resolveConflict(id: id, keepLoser: side == "loser")
        let values = kept.values.map { $0 ?? "–" }.joined(separator: ", ")
        try await console.audit(
            session, "conflict.resolve", "\(item.subject) · \(item.columns.joined(separator: ", ")) = \(values)")
        return Response.redirect(to: "/conflicts", type: .normal)
    }
}
