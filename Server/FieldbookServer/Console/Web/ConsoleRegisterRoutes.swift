import Fieldbook
import FieldbookCore
import Hummingbird

/// The register's pages: overview, cohort grid, event register, participant history.
struct ConsoleRegisterRoutes {
    let console: OfficeConsole

    func collection() -> RouteCollection<BasicRequestContext> {
        let routes = console.makeCollection()
        routes.get("/") { request, _ in try await overview(request) }
        routes.get("/cohorts/:id") { request, context in try await cohort(request, id: try context.rowID()) }
        routes.post("/cohorts/:id/threshold") { request, context in
            try await setThreshold(request, id: try context.rowID())
        }
        routes.get("/events/:id") { request, context in try await event(request, id: try context.rowID()) }
        routes.get("/participants/:id") { request, context in
            try await participant(request, id: try context.rowID())
        }
        return routes
    }

    func overview(_ request: Request) async throws -> Response {
        let session = try await console.session(request)
        let store = console.store
        let cohorts = try await store.cohortSummaries()
        let conflicts = try await store.openConflictCount()
        let quarantined = try await store.quarantinedCounts().values.reduce(0, +)
        let staleBefore = console.now - UInt64(console.options.staleDays) * 86_400_000
        let stale = try await store.writingReplicas()
            .filter { ($0.lastSeen ?? 0) < staleBefore }.count
        let rows: [[String: Any]] = cohorts.map { cohort in
            [
                "id": cohort.id.description, "name": cohort.name, "programme": cohort.programme,
                "programmeTitle": cohort.programmeTitle, "city": cohort.city ?? "", "participants": cohort.participants,
                "events": cohort.events, "rate": ConsoleFormat.percent(cohort.tally.rate),
                "below": cohort.belowThreshold, "threshold": cohort.threshold, "flagged": cohort.belowThreshold > 0,
            ]
        }
        return console.renderer.page(
            "overview", title: strings(request)["overview"]!,
            data: ["cohorts": rows, "openConflicts": conflicts, "quarantined": quarantined, "staleLaptops": stale],
            request: request, session: session)
    }

    func cohort(_ request: Request, id: RowID) async throws -> Response {
        let session = try await console.session(request)
        let grid = try await console.store.cohortGrid(id)
        let time = ConsoleTime(language: ConsoleLanguage.negotiate(request).language)
        let events: [[String: Any]] = grid.events.map { event in
            [
                "id": event.id.description, "title": event.title,
                "date": String(time.eventStart(utc: event.startsUTC, zone: event.zone).office.prefix(10)),
            ]
        }
        // Five possible cells: render each once, not once per participant and event.
        let cells = GridMark.allCases.map { mark in
            console.renderer.fragment("gridCell", data: ConsoleFormat.statusCell(mark.status))
        }
        let rows = grid.participants.indices.map { index in
            let participant = grid.participants[index]
            return GridBodyHTML.Row(
                id: participant.id, name: participant.name, rate: ConsoleFormat.percent(participant.tally.rate),
                flagged: participant.tally.isBelow(grid.cohort.threshold), marks: grid.marks[index])
        }
        var data: [String: Any] = [
            "id": id.description, "name": grid.cohort.name, "programme": grid.cohort.programme,
            "rate": ConsoleFormat.percent(grid.cohort.tally.rate),
            "threshold": grid.cohort.threshold, "below": grid.cohort.belowThreshold, "events": events,
            "rows": GridBodyHTML.rows(rows, cells: cells),
        ]
        if let city = grid.cohort.city { data["city"] = city }
        return console.renderer.page(
            "cohort", title: grid.cohort.name, data: data, request: request, session: session)
    }

    func setThreshold(_ request: Request, id: RowID) async throws -> Response {
        let session = try await console.adminSession(request)
        let fields = try await console.form(request, csrf: session.csrf)
        guard let percent = fields["percent"].flatMap({ Int($0) }), (0...100).contains(percent) else {
            throw ConsoleError(.badRequest, "the threshold is a whole number from 0 to 100")
        }
        let cohort = try await console.store.cohortSummary(id)
        try await console.store.setThreshold(programme: cohort.programme, percent: percent)
        try await console.audit(session, "threshold.set", "\(cohort.programme) \(percent)%")
        return Response.redirect(to: "/cohorts/\(id)", type: .normal)
    }

    func event(_ request: Request, id: RowID) async throws -> Response {
        let session = try await console.session(request)
        let (event, lines) = try await console.store.register(event: id)
        let start = ConsoleTime(language: ConsoleLanguage.negotiate(request).language)
            .eventStart(utc: event.startsUTC, zone: event.zone)
        var data: [String: Any] = [
            "title": event.title, "cohortID": event.cohortID.description, "kind": event.kind, "office": start.office,
            "lines": lines.map { line -> [String: Any] in
                ConsoleFormat.statusCell(line.status, language: ConsoleLanguage.negotiate(request).language)
                    .merging([
                        "id": line.participant.id.description, "name": line.participant.name,
                        "trn": line.participant.trn ?? "", "school": line.participant.school ?? "",
                        "remark": line.remark ?? "",
                    ]) { _, new in new }
            },
        ]
        if let local = start.local { data["local"] = local }
        if let module = event.module { data["module"] = module }
        if let school = event.venueSchool {
            data["venue"] = [school, event.venueCity].compactMap { $0 }.joined(separator: ", ")
        }
        return console.renderer.page("event", title: event.title, data: data, request: request, session: session)
    }

    func participant(_ request: Request, id: RowID) async throws -> Response {
        let session = try await console.session(request)
        let language = ConsoleLanguage.negotiate(request).language
        let time = ConsoleTime(language: language)
        let history = try await console.store.history(participant: id)
        let person = history.participant
        var data: [String: Any] = [
            "name": person.name, "school": person.school ?? "", "cohortID": person.cohortID.description,
            "rate": ConsoleFormat.percent(person.tally.rate),
            "lines": history.lines.map { line -> [String: Any] in
                ConsoleFormat.statusCell(line.status, language: language).merging([
                    "id": line.event.id.description, "title": line.event.title,
                    "office": time.eventStart(utc: line.event.startsUTC, zone: line.event.zone).office,
                    "remark": line.remark ?? "",
                ]) { _, new in new }
            },
            "notes": history.notes.map { note -> [String: Any] in
                [
                    "author": note.author, "body": note.body,
                    "created": ConsoleTime.parse(note.created).map { time.format($0) } ?? note.created,
                    "event": note.eventTitle ?? "",
                ]
            },
        ]
        let titles = Dictionary(history.lines.map { ($0.event.id, $0.event.title) }, uniquingKeysWith: { a, _ in a })
        let names = try await console.store.replicaNames()
        let words = strings(request)
        data["changes"] = try await console.store.changeHistory(participant: id, events: history.lines.map(\.event.id))
            .map { change -> [String: Any] in
                let record =
                    change.table == NPQSchema.Table.attendance
                    ? titles[change.key.first] ?? change.key.first.short : words["participant"]!
                let outcome: String =
                    switch change.outcome {
                    case .current: words["current"]!
                    case .superseded: words["superseded"]!
                    case .lostConflict: words["lostConflict"]!
                    }
                return [
                    "time": time.format(milliseconds: change.writtenAt), "record": record, "column": change.column,
                    "value": change.value ?? "–", "outcome": outcome, "lost": change.outcome == .lostConflict,
                    "by": change.origin.map { origin in names[origin].map { "\($0) (\(origin.short))" } ?? origin.short
                    }
                        ?? "?",
                ]
            }
        for (key, value) in [("trn", person.trn), ("city", person.city), ("email", person.email)] {
            if let value { data[key] = value }
        }
        return console.renderer.page("participant", title: person.name, data: data, request: request, session: session)
    }

    func strings(_ request: Request) -> [String: String] { console.renderer.strings(for: request) }
}

extension BasicRequestContext {
    /// The `:id` path parameter as a row ID.
    ///
    /// - Throws: 404 for anything that is not one.
    func rowID() throws -> RowID {
        guard let text = parameters.get("id"), let id = RowID(text) else {
            throw ConsoleError(.notFound, "no such page: the link has a malformed ID")
        }
        return id
    }
}
