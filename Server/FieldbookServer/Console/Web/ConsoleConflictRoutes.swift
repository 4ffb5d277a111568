import FieldbookCore
import Hummingbird

/// Conflicts side by side; an admin keeps one version.
///
/// Keeping a version writes it to the cell again through the same domain call as
/// `fieldbook-server conflicts resolve`: an ordinary replicated change by the server's
/// replica, which every laptop receives on its next sync and which closes the ledger
/// entry everywhere. The audit log names the office user who chose.
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
        for conflict in try await store.conflicts(includeResolved: false) {
            let versions: [[String: Any]] = [
                ("winner", conflict.winner, strings["winner"]!), ("loser", conflict.loser, strings["loser"]!),
            ].map { side, version, label in
                [
                    "side": side, "label": label, "value": version.value ?? "–", "author": author(version.origin),
                    "written": time.format(milliseconds: version.writtenAt), "conflictID": conflict.id.description,
                    "canKeep": canKeep,
                ]
            }
            conflicts.append([
                "subject": try await store.describe(table: conflict.table, key: conflict.key),
                "column": conflict.column, "versions": versions,
            ])
        }
        return console.renderer.page(
            "conflicts", title: strings["conflicts"]!,
            data: ["conflicts": conflicts], request: request,
            session: session)
    }

    func keep(_ request: Request, id: RowID) async throws -> Response {
        let session = try await console.adminSession(request)
        let fields = try await console.form(request, csrf: session.csrf)
        guard let side = fields["side"], side == "winner" || side == "loser" else {
            throw ConsoleError(.badRequest, "choose the version to keep")
        }
        guard let conflict = try await console.store.conflicts(includeResolved: false).first(where: { $0.id == id })
        else { throw ConsoleError(.notFound, "this conflict is resolved already, or does not exist") }
        try await console.store.resolveConflict(id: id, keepLoser: side == "loser")
        let kept = (side == "loser" ? conflict.loser : conflict.winner).value ?? "–"
        let subject = try await console.store.describe(table: conflict.table, key: conflict.key)
        try await console.audit(session, "conflict.resolve", "\(subject) · \(conflict.column) = \(kept)")
        return Response.redirect(to: "/conflicts", type: .normal)
    }
}
