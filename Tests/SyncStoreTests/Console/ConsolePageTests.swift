import FieldbookCore
import FieldbookServer
import Foundation
import HummingbirdTesting
import Testing

/// Every console page, signed in, on every store.
@Suite struct ConsolePageTests {
    @Test(arguments: StoreBackend.available)
    func overviewListsCohortsByProgrammeAndCityWithRates(_ backend: StoreBackend) async throws {
        try await ConsoleHarness.forEach(backend) { harness, client in
            var browser = ConsoleBrowser(client)
            #expect(try await browser.signIn(ConsoleHarness.adminName, ConsoleHarness.password).status == .seeOther)
            let page = try await browser.get("/")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            for text in [
                "NPQH", "Spring 2026", "Shanghai", "NPQLT", "Autumn 2026", "/cohorts/\(harness.scenario.headship.id)",
            ] {
                #expect(page.text.contains(text), "overview lacks \(text)")
            }
            let headship = try await harness.store.cohortSummary(harness.scenario.headship.id)
            #expect(headship.participants == 4 && headship.events == 3)
            #expect(headship.tally.present + headship.tally.late + headship.tally.absent == 6)
            #expect(headship.tally.excused == 1)
            #expect(page.text.contains("Open conflicts</a><b>1</b>"), "one open conflict on the overview")
        }
    }

    @Test(arguments: StoreBackend.available)
    func cohortGridShowsLettersRatesAndFlags(_ backend: StoreBackend) async throws {
        try await ConsoleHarness.forEach(backend) { harness, client in
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn(ConsoleHarness.adminName, ConsoleHarness.password)
            let page = try await browser.get("/cohorts/\(harness.scenario.headship.id)")
            #expect(page.status == .ok)
            for text in [
                "王芳", "李伟", "张敏", "Chen Jing", #"class="m P">P"#, #"class="m L">L"#, #"class="m A">A"#,
                #"class="m E">E"#, #"class="m U">–"#, "Module 1: Leading change", #"class="flag""#,
            ] {
                #expect(page.text.contains(text), "grid lacks \(text)")
            }
            let grid = try await harness.store.cohortGrid(harness.scenario.headship.id)
            let wang = try #require(grid.participants.first { $0.name == "王芳" })
            #expect(wang.tally.rate == 1, "王芳 was present at both marked sessions")
            let zhang = try #require(grid.participants.first { $0.name == "张敏" })
            #expect(zhang.tally.rate == 0.5)
            #expect(grid.events.map(\.title) == harness.scenario.events.map(\.title))
        }
    }

    @Test(arguments: StoreBackend.available)
    func eventShowsVenueShanghaiTimeWithWeekdayAndBothZones(_ backend: StoreBackend) async throws {
        try await ConsoleHarness.forEach(backend) { harness, client in
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn(ConsoleHarness.adminName, ConsoleHarness.password)
            let faceToFace = try await browser.get("/events/\(harness.scenario.events[0].id)")
            #expect(faceToFace.status == .ok)
            #expect(faceToFace.text.contains("2026-03-07 09:00 Sat"))
            #expect(faceToFace.text.contains("上海浦东外国语学校, Shanghai"))
            #expect(faceToFace.text.contains("地铁晚点"))
            #expect(!faceToFace.text.contains("Europe/London"))
            let webinar = try await browser.get("/events/\(harness.scenario.events[1].id)")
            #expect(webinar.text.contains("2026-03-10 20:00 Tue"), "12:00 in London is 20:00 in Shanghai")
            #expect(webinar.text.contains("2026-03-10 12:00 Tue (Europe/London)"))
            let unmarked = try await browser.get("/events/\(harness.scenario.events[2].id)")
            #expect(unmarked.text.components(separatedBy: "unmarked").count - 1 == 4, "every participant listed")
        }
    }

    @Test(arguments: StoreBackend.available)
    func participantShowsHistoryAndEscapedNotes(_ backend: StoreBackend) async throws {
        try await ConsoleHarness.forEach(backend) { harness, client in
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn(ConsoleHarness.adminName, ConsoleHarness.password)
            let page = try await browser.get("/participants/\(harness.scenario.participants[0].id)")
            #expect(page.status == .ok)
            #expect(page.text.contains("王芳 led the group discussion, &quot;excellent&quot;"))
            #expect(page.text.contains("Webinar: Evidence") && page.text.contains("100%"))
            #expect(try await browser.get("/participants/\(harness.scenario.events[0].id)").status == .notFound)
            #expect(try await browser.get("/participants/not-an-id").status == .notFound)
        }
    }

    @Test(arguments: StoreBackend.available)
    func conflictsShowBothVersionsWithAuthors(_ backend: StoreBackend) async throws {
        try await ConsoleHarness.forEach(backend) { harness, client in
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn(ConsoleHarness.adminName, ConsoleHarness.password)
            let page = try await browser.get("/conflicts")
            #expect(page.status == .ok)
            for text in ["李伟 · &quot;Webinar: Evidence&quot;", "present", "absent", "Wang Fang (", "Li Wei ("] {
                #expect(page.text.contains(text), "conflicts page lacks \(text)")
            }
            let conflicts = try await harness.store.conflicts(includeResolved: false)
            #expect(conflicts.count == 1)
            #expect(Set([conflicts[0].winner.value, conflicts[0].loser.value]) == ["present", "absent"])
        }
    }

    @Test(arguments: StoreBackend.available)
    func adminKeepsAVersionAsAReplicatedWriteThatLaptopsPull(_ backend: StoreBackend) async throws {
        try await ConsoleHarness.forEach(backend) { harness, client in
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn(ConsoleHarness.adminName, ConsoleHarness.password)
            let page = try await browser.get("/conflicts")
            let conflict = try #require(try await harness.store.conflicts(includeResolved: false).first)
            let before = try await harness.test.store.knowledge()
            let kept = try await browser.post(
                "/conflicts/\(conflict.id)/keep", form: ["csrf": page.csrf ?? "", "side": "loser"])
            #expect(kept.status == .seeOther)
            #expect(try await harness.store.conflicts(includeResolved: false).isEmpty)
            let server = StreamID(partition: harness.scenario.headship.partition, origin: harness.test.store.replicaID)
            #expect(try await harness.test.store.knowledge()[server] > before[server], "a change the laptops will pull")
            let grid = try await harness.store.cohortGrid(harness.scenario.headship.id)
            let (event, person) = (harness.scenario.events[1].id, harness.scenario.participants[1].id)
            #expect(grid.status(event: event, participant: person) == conflict.loser.value)
            let audit = try await browser.get("/audit")
            #expect(audit.text.contains("conflict.resolve") && audit.text.contains(ConsoleHarness.adminName))

            // Both laptops pull the decision on their next sync: the mark and a closed ledger.
            for laptop in [harness.scenario.wang, harness.scenario.li] {
                var peer = try laptop.store.knowledge()
                while true {
                    let assembly = try await harness.test.store.changes(for: peer, partitions: nil, byteBudget: 1 << 20)
                    try laptop.store.merge(assembly.batch, from: harness.test.store.replicaID)
                    peer.advance(through: assembly.batch.ranges)
                    if !assembly.hasMore { break }
                }
                #expect(try laptop.conflicts().isEmpty, "the laptop's ledger entry is closed")
                let line = try laptop.register(event: event.description).lines.first { $0.participant.id == person }
                #expect(line?.status == conflict.loser.value)
            }
        }
    }

    @Test(arguments: StoreBackend.available)
    func laptopsAndTokensIssueShownOnceAndRevoke(_ backend: StoreBackend) async throws {
        try await ConsoleHarness.forEach(backend) { harness, client in
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn(ConsoleHarness.adminName, ConsoleHarness.password)
            let page = try await browser.get("/laptops")
            #expect(page.status == .ok)
            for text in ["Wang Fang", "Li Wei", "wang-laptop", "All cohorts (office)"] {
                #expect(page.text.contains(text), "laptops page lacks \(text)")
            }
            let issued = try await browser.post(
                "/tokens",
                form: [
                    "csrf": page.csrf ?? "", "name": "zhao-yantai", "cohort": harness.scenario.teaching.id.description,
                ])
            #expect(issued.status == .ok)
            #expect(issued.text.contains("fbk_"))
            #expect(!(try await browser.get("/laptops")).text.contains("fbk_"), "a token is shown once")
            let revoked = try await browser.post(
                "/tokens/revoke", form: ["csrf": page.csrf ?? "", "name": "zhao-yantai"])
            #expect(revoked.status == .seeOther)
            #expect(try await harness.test.store.tokens().first { $0.name == "zhao-yantai" }?.revokedAt != nil)
            let released = try await browser.post("/quarantine/release", form: ["csrf": page.csrf ?? ""])
            #expect(released.status == .seeOther)
            let audit = try await browser.get("/audit")
            for action in ["token.issue", "token.revoke", "quarantine.release"] {
                #expect(audit.text.contains(action), "audit lacks \(action)")
            }
        }
    }

    @Test(arguments: StoreBackend.available)
    func adminSetsTheProgrammeThreshold(_ backend: StoreBackend) async throws {
        try await ConsoleHarness.forEach(backend) { harness, client in
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn(ConsoleHarness.adminName, ConsoleHarness.password)
            let cohort = "/cohorts/\(harness.scenario.headship.id)"
            let page = try await browser.get(cohort)
            #expect(page.text.contains(#"value="80""#))
            let set = try await browser.post(cohort + "/threshold", form: ["csrf": page.csrf ?? "", "percent": "40"])
            #expect(set.status == .seeOther)
            #expect(try await harness.store.cohortSummary(harness.scenario.headship.id).threshold == 40)
            #expect(
                try await browser.post(cohort + "/threshold", form: ["csrf": page.csrf ?? "", "percent": "140"]).status
                    == .badRequest)
        }
    }

    @Test(arguments: StoreBackend.available)
    func chineseByAcceptLanguageAndByLink(_ backend: StoreBackend) async throws {
        try await ConsoleHarness.forEach(backend) { harness, client in
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn(ConsoleHarness.adminName, ConsoleHarness.password)
            browser.acceptLanguage = "zh-CN,zh;q=0.9,en;q=0.8"
            let chinese = try await browser.get("/events/\(harness.scenario.events[0].id)")
            #expect(
                chinese.text.contains("总览") && chinese.text.contains("周六") && chinese.text.contains("lang=\"zh-Hans\""))
            browser.acceptLanguage = "en"
            let chosen = try await browser.get("/?lang=zh")
            #expect(chosen.text.contains("总览"))
            #expect(chosen.setCookie("fb_lang")?.hasPrefix("fb_lang=zh") == true)
            #expect(try await browser.get("/audit").text.contains("审计日志"), "the cookie keeps the choice")
        }
    }
}
