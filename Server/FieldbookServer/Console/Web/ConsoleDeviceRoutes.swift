import Fieldbook
import FieldbookCore
import Hummingbird

/// Laptops and tokens (issue, shown once; revoke), quarantine release, and the audit log.
struct ConsoleDeviceRoutes {
    let console: OfficeConsole

    func collection() -> RouteCollection<BasicRequestContext> {
        let routes = console.makeCollection()
        routes.get("/laptops") { request, _ in
            try await laptops(request, session: try await console.session(request))
        }
        routes.post("/tokens") { request, _ in try await issue(request) }
        routes.post("/tokens/revoke") { request, _ in try await revoke(request) }
        routes.post("/quarantine/release") { request, _ in try await release(request) }
        routes.get("/audit") { request, _ in try await audit(request) }
        return routes
    }

    func laptops(_ request: Request, session: OfficeSession, issuedToken: String? = nil) async throws -> Response {
        let store = console.store
        let time = ConsoleTime(language: ConsoleLanguage.negotiate(request).language)
        let strings = console.renderer.strings(for: request)
        let quarantinedBy = try await store.quarantinedCounts()
        let quarantineTotal = quarantinedBy.values.reduce(0, +)
        let staleBefore = console.now - UInt64(console.options.staleDays) * 86_400_000
        let laptops: [[String: Any]] = try await store.writingReplicas()
            .sorted { ($0.name ?? "~", $0.replicaID) < ($1.name ?? "~", $1.replicaID) }
            .map { laptop in
                let round = laptop.lastRound
                var row: [String: Any] = [
                    "name": laptop.name ?? round?.token ?? "?", "id": laptop.replicaID.short,
                    "token": round?.token ?? "", "lastSync": time.format(milliseconds: round?.answeredAt),
                    "lastChange": time.format(milliseconds: laptop.lastChange), "held": laptop.changesHeld,
                    "schema": round.map { "v\($0.schemaVersion)" } ?? "–",
                    "app": round?.appVersion ?? strings["unknown"]!,
                    "unsynced": round.map { String($0.unsynced) } ?? "–",
                    "quarantined": quarantinedBy[laptop.replicaID] ?? 0,
                    "stale": (laptop.lastSeen ?? 0) < staleBefore,
                ]
                // Only a clock a second or more off is worth a line (a section shows any string).
                if let clock = round.map({ ConsoleFormat.clockOffset($0.clockAhead) }), !clock.isEmpty {
                    row["clock"] = clock
                }
                return row
            }
        let cohorts = try await store.cohortNames()
        let cohortNames = Dictionary(
            cohorts.map { (PartitionID(cohort: $0.id), "\($0.programme) · \($0.name)") },
            uniquingKeysWith: { a, _ in a })
        let tokens: [[String: Any]] = try await store.syncStore.tokens().map { token in
            let scope: String =
                switch token.scope {
                case .all: strings["allCohorts"]!
                case .cohorts(let partitions):
                    partitions.map { cohortNames[$0] ?? RowID($0.rawValue).short }.sorted().joined(separator: ", ")
                }
            return [
                "name": token.name, "scope": scope, "issued": time.format(milliseconds: token.issuedAt),
                "revoked": time.format(milliseconds: token.revokedAt),
                "canRevoke": session.isAdmin && token.revokedAt == nil,
            ]
        }
        var data: [String: Any] = [
            "laptops": laptops, "tokens": tokens,
            "cohorts": cohorts.map { ["id": $0.id.description, "programme": $0.programme, "name": $0.name] },
        ]
        if let issuedToken { data["issuedToken"] = issuedToken }
        // A Mustache section renders for any number, 0 included: leave the key out instead.
        if quarantineTotal > 0 { data["quarantineTotal"] = quarantineTotal }
        return console.renderer.page(
            "laptops", title: strings["laptops"]!, data: data, request: request, session: session)
    }

    /// Issues a token and shows it on this one response; only its hash is stored.
    func issue(_ request: Request) async throws -> Response {
        let session = try await console.adminSession(request)
        let fields = try await console.form(request, csrf: session.csrf)
        let name = try Validate.text(fields["name"] ?? "", field: "token name", limit: 100)
        let scope: TokenScope
        if fields["cohort"] == "all" {
            scope = .all
        } else {
            guard let id = fields["cohort"].flatMap({ RowID($0) }) else {
                throw ConsoleError(.badRequest, "choose a cohort or all cohorts")
            }
            guard try await console.store.cohortNames().contains(where: { $0.id == id }) else {
                throw ConsoleError(.notFound, "no cohort \(id)")
            }
            scope = .cohorts([PartitionID(cohort: id)])
        }
        let token = DeviceToken.generate()
        try await console.store.syncStore.insertToken(
            StoredToken(
                id: token.id, name: name, secretHash: token.secretHash, scope: scope, issuedAt: console.now))
        try await console.audit(session, "token.issue", "\(name) (\(scope.storedForm))")
        return try await laptops(request, session: session, issuedToken: token.text)
    }

    func revoke(_ request: Request) async throws -> Response {
        let session = try await console.adminSession(request)
        let fields = try await console.form(request, csrf: session.csrf)
        let name = fields["name"] ?? ""
        guard try await console.store.syncStore.revokeToken(name: name, at: console.now) else {
            throw ConsoleError(.notFound, "no live token named '\(name)'")
        }
        try await console.audit(session, "token.revoke", name)
        return Response.redirect(to: "/laptops", type: .normal)
    }

    func release(_ request: Request) async throws -> Response {
        let session = try await console.adminSession(request)
        _ = try await console.form(request, csrf: session.csrf)
        let report = try await console.store.syncStore.releaseQuarantine(origin: nil)
        try await console.audit(
            session, "quarantine.release", "\(report.applied) applied, \(report.superseded) superseded")
        return Response.redirect(to: "/laptops", type: .normal)
    }

    func audit(_ request: Request) async throws -> Response {
        let session = try await console.session(request)
        let time = ConsoleTime(language: ConsoleLanguage.negotiate(request).language)
        let entries: [[String: Any]] = try await console.store.auditLog().map {
            ["time": time.format(milliseconds: $0.time), "user": $0.user, "action": $0.action, "detail": $0.detail]
        }
        return console.renderer.page(
            "audit", title: console.renderer.strings(for: request)["audit"]!, data: ["entries": entries],
            request: request, session: session)
    }
}
