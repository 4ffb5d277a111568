import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookSync
import FieldbookTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import FieldbookServer

/// What the console adds to the register: laptops' sync health from their rounds, each
/// record's change history, the overview's cities, and pages whose query count does not
/// grow with the register.
@Suite struct ConsoleHealthTests {
    @Test(arguments: StoreBackend.available)
    func laptopsShowLastSyncSchemaAndUnsyncedFromARealRound(_ backend: StoreBackend) async throws {
        try await ConsoleHarness.forEach(backend) { harness, client in
            let wang = harness.scenario.wang
            // Three marks Wang's laptop has not pushed yet.
            for participant in harness.scenario.participants.prefix(3) {
                try wang.attend(
                    event: harness.scenario.events[2].id.description, participant: participant.id.description,
                    status: "present", remark: nil)
            }
            let open = RoundOpen(
                schemaVersion: UInt32(NPQSchema.current.version), replica: wang.store.replicaID,
                clientTime: SystemWallClock().milliseconds(), knowledge: try wang.store.knowledge())
            let answer = try await client.executeRequest(
                uri: "/v1/sync", method: .post,
                headers: [.authorization: "Bearer \(harness.deviceToken)", .contentType: WireFormat.contentType],
                body: ByteBuffer(bytes: WireFormat.frame(.roundOpen(open))))
            #expect(answer.status == .ok)

            let laptop = try #require(
                try await harness.store.writingReplicas().first { $0.replicaID == wang.store.replicaID })
            let round = try #require(laptop.lastRound, "the round was recorded")
            #expect(round.token == "wang-laptop")
            #expect(round.schemaVersion == NPQSchema.current.version)
            // A mark is two changes (status and remark, one column group).
            #expect(round.unsynced == 6, "three marks written on the laptop, none pushed")
            #expect(abs(round.clockAhead) < 60_000)

            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn(ConsoleHarness.viewerName, ConsoleHarness.password)
            let page = try await browser.get("/laptops")
            for text in ["Last sync", "Unsynced", "wang-laptop", "v\(NPQSchema.current.version)"] {
                #expect(page.text.contains(text), "laptops page lacks \(text)")
            }
        }
    }

    @Test(arguments: StoreBackend.available)
    func laptopsShowTheAppVersionEachLaptopLastSyncedWithOverRealHTTP(_ backend: StoreBackend) async throws {
        let harness = try await ConsoleHarness.make(backend)
        let liToken = try await harness.issueToken("li-laptop")
        try await harness.run(.live) { client in
            let port = try #require(client.port)
            // Wang's laptop syncs as the CLI does: HTTPSyncTransport sends
            // `User-Agent: fieldbook/VERSION (PLATFORM)` with every round.
            let transport = try HTTPSyncTransport(baseURL: "http://127.0.0.1:\(port)")
            let wang = harness.scenario.wang
            do {
                _ = try await SyncClient(store: wang.store, transport: transport, token: harness.deviceToken).run()
                try await transport.shutdown()
            } catch {
                try await transport.shutdown()
                throw error
            }
            // Li's laptop opens rounds with other clients' headers: no version is recorded.
            let li = harness.scenario.li
            func round(_ replica: Fieldbook, token: String, userAgent: String?) async throws -> HTTPResponse.Status {
                let open = RoundOpen(
                    schemaVersion: UInt32(NPQSchema.current.version), replica: replica.store.replicaID,
                    clientTime: SystemWallClock().milliseconds(), knowledge: try replica.store.knowledge(),
                    publicKey: try replica.store.signingKey().publicKey)
                var headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: WireFormat.contentType]
                if let userAgent { headers[.userAgent] = userAgent }
                return try await client.executeRequest(
                    uri: "/v1/sync", method: .post, headers: headers,
                    body: ByteBuffer(bytes: WireFormat.frame(.roundOpen(open)))
                ).status
            }
            for userAgent in [
                nil, "curl/8.5.0", "fieldbook/<script>", "fieldbook/" + String(repeating: "9", count: 33),
            ] {
                #expect(try await round(li, token: liToken, userAgent: userAgent) == .ok, "\(userAgent ?? "none")")
            }
            // A later round without a version keeps the last one seen.
            #expect(try await round(wang, token: harness.deviceToken, userAgent: "curl/8.5.0") == .ok)

            let laptops = try await harness.store.writingReplicas()
            let wangRound = try #require(laptops.first { $0.replicaID == wang.store.replicaID }?.lastRound)
            let liRound = try #require(laptops.first { $0.replicaID == li.store.replicaID }?.lastRound)
            #expect(wangRound.appVersion == FieldbookVersion.current)
            #expect(liRound.appVersion == nil && liRound.token == "li-laptop")

            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn(ConsoleHarness.viewerName, ConsoleHarness.password)
            let page = try await browser.get("/laptops")
            let rows = page.text.components(separatedBy: "<tr")
            let wangRow = try #require(rows.first { $0.contains("wang-laptop") })
            let liRow = try #require(rows.first { $0.contains("li-laptop") })
            #expect(wangRow.contains("<td class=\"app\">\(FieldbookVersion.current)</td>"), "\(wangRow)")
            #expect(liRow.contains("<td class=\"app\">unknown</td>"), "\(liRow)")
        }
    }

    @Test(arguments: StoreBackend.available)
    func aLaptopsTableFromBeforeTheAppVersionGainsTheColumn(_ backend: StoreBackend) async throws {
        try await ConsoleHarness.forEach(backend) { harness, _ in
            try await harness.store.execute("ALTER TABLE fb_console_laptops DROP COLUMN app_version", [])
            await #expect(throws: (any Error).self) {
                try await harness.store.query("SELECT app_version FROM fb_console_laptops", [])
            }
            let reopened = try await ConsoleStores.open(harness.test.store)
            #expect(try await reopened.query("SELECT app_version FROM fb_console_laptops", []).isEmpty)
        }
    }

    @Test func appVersionsAreReadOnlyFromFieldbookUserAgents() {
        #expect(FieldbookVersion.version(inUserAgent: FieldbookVersion.userAgent) == FieldbookVersion.current)
        #expect(FieldbookVersion.version(inUserAgent: "fieldbook/1.2.0-beta.1+linux (macos)") == "1.2.0-beta.1+linux")
        #expect(FieldbookVersion.version(inUserAgent: "Fieldbook/2.0") == "2.0")
        for header in [
            nil, "", "curl/8.5.0", "fieldbook", "fieldbook/", "fieldbook/1.0;rm", "fieldbook/<b>",
            "fieldbook/" + String(repeating: "1", count: 33), "fieldbook/版本", "xfieldbook/1.0",
        ] {
            #expect(FieldbookVersion.version(inUserAgent: header) == nil, "\(header ?? "nil")")
        }
    }

    @Test(arguments: StoreBackend.available)
    func participantPageShowsEachVersionWithAuthorAndTheConflictLoser(_ backend: StoreBackend) async throws {
        try await ConsoleHarness.forEach(backend) { harness, client in
            let li = harness.scenario.participants[1]
            let webinar = harness.scenario.events[1]
            let history = try await harness.store.changeHistory(
                participant: li.id, events: harness.scenario.events.map(\.id))
            let marks = history.filter { $0.key == RowKey(webinar.id, li.id) && $0.column == "status" }
            #expect(Set(marks.map(\.value)) == ["present", "absent"], "both concurrent marks")
            #expect(marks.filter { $0.outcome == .current }.count == 1)
            #expect(marks.filter { $0.outcome == .lostConflict }.count == 1, "the loser, once")
            #expect(
                Set(marks.compactMap(\.origin)) == [
                    harness.scenario.wang.store.replicaID, harness.scenario.li.store.replicaID,
                ])
            #expect(
                history.contains { $0.table == NPQSchema.Table.participants && $0.column == "name" && $0.value == "李伟" }
            )

            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn(ConsoleHarness.viewerName, ConsoleHarness.password)
            let page = try await browser.get("/participants/\(li.id)")
            for text in ["Change history", "lost a conflict", "Wang Fang (", "Li Wei (", "Webinar: Evidence"] {
                #expect(page.text.contains(text), "participant page lacks \(text)")
            }
        }
    }

    @Test(arguments: StoreBackend.available)
    func pagesRunAFixedNumberOfQueries(_ backend: StoreBackend) async throws {
        try await ConsoleHarness.forEach(backend) { harness, client in
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn(ConsoleHarness.viewerName, ConsoleHarness.password)
            let pages = [
                "/", "/cohorts/\(harness.scenario.headship.id)", "/laptops",
                "/participants/\(harness.scenario.participants[0].id)", "/events/\(harness.scenario.events[0].id)",
            ]
            var counts: [String: Int] = [:]
            for page in pages {
                let before = harness.store.meter.reading
                #expect(try await browser.get(page).status == .ok)
                counts[page] = (harness.store.meter.reading - before).statements
            }
            // Add a cohort's worth of rows, then count again: no page may run more queries.
            let wang = harness.scenario.wang
            let cohort = harness.scenario.headship.id.description
            let more = try (0..<6).map { index in
                try wang.addParticipant(cohort: cohort, .init(name: "学员 \(index)", trn: "900000\(index)"))
            }
            let event = try wang.addEvent(
                cohort: cohort, .init(kind: "webinar", title: "Webinar: More", starts: "2026-04-01T19:00"))
            for participant in more {
                try wang.attend(
                    event: event.id.description, participant: participant.id.description, status: "late", remark: nil)
            }
            for batch in try ConsoleScenario.batches(of: wang) {
                _ = try await harness.test.store.merge(batch, from: wang.store.replicaID)
            }
            for page in pages {
                let before = harness.store.meter.reading
                #expect(try await browser.get(page).status == .ok)
                #expect((harness.store.meter.reading - before).statements == counts[page], "\(page) grew")
            }
            print("console statements per page, \(backend): \(counts.sorted { $0.key < $1.key })")
            #expect(counts["/cohorts/\(harness.scenario.headship.id)"]! <= 8, "\(counts)")
            #expect(counts["/"]! <= 14, "\(counts)")
        }
    }

    @Test func cohortCityListsEveryVenueCityByFirstSessionNotByTheAlphabet() {
        var places = CohortPlaces()
        places.addEvents(1, city: "Shanghai", first: "2024-03-02T01:00:00Z")
        places.addEvents(1, city: "Chengdu", first: "2024-05-11T01:00:00Z")
        places.addEvents(1, city: nil, first: "2024-03-13T11:30:00Z")
        places.addParticipants(3, city: "Chengdu")
        #expect(places.city == "Shanghai, Chengdu")
        var webinarsOnly = CohortPlaces()
        webinarsOnly.addEvents(2, city: nil, first: "2024-03-13T11:30:00Z")
        webinarsOnly.addParticipants(2, city: "Wuhan")
        webinarsOnly.addParticipants(2, city: "Chengdu")
        #expect(webinarsOnly.city == "Chengdu", "a tie among participants' cities: the first by name")
    }

    @Test func packedGridMarksKeepKnownStatusesAndSkipWhatIsMalformed() {
        let first = RowID(Bytes16(high: 1, low: 2))
        let second = RowID(Bytes16(high: 3, low: 4))
        let third = RowID(Bytes16(high: 5, low: 6))
        let packed =
            first.rawValue.bytes + Array("p".utf8) + second.rawValue.bytes + Array("x".utf8)
            + third.rawValue.bytes + Array("e".utf8) + Array(second.rawValue.bytes.prefix(9))
        #expect(
            GridMark.unpack(packed, column: 7) == [
                GridMarkRow(column: 7, participant: first, mark: .present),
                GridMarkRow(column: 7, participant: third, mark: .excused),
            ], "an unknown status is left unmarked and a cut item is dropped, not misread")
        #expect(GridMark.unpack(Array(packed.prefix(16)), column: 0).isEmpty)
        #expect(GridMark(statusLetter: UInt8(ascii: "l")) == .late)
        #expect(GridMark(statusLetter: UInt8(ascii: "A")) == nil, "statuses are stored in lower case")
    }
}
