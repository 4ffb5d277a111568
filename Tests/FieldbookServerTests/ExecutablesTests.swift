import Foundation
import Testing

/// The built `fieldbook-server` and `fieldbook` executables, run as a user would run
/// them: output and exit codes.
struct ExecutablesTests {
    /// Runs `fieldbook` with `--db` set to `replica` (after the subcommand words).
    func fieldbook(_ words: [String], db: String, _ rest: [String] = [], home: TemporaryDirectory) async throws
        -> ProcessResult
    {
        try await Executables.run("fieldbook", words + ["--db", db] + rest, home: home.path)
    }

    func server(_ words: [String], db: String, _ rest: [String] = [], home: TemporaryDirectory) async throws
        -> ProcessResult
    {
        try await Executables.run("fieldbook-server", words + ["--db", db] + rest, home: home.path)
    }

    func json(_ result: ProcessResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    @Test
    func serverAndClientWorkTogetherAsAUserRunsThem() async throws {
        let home = try TemporaryDirectory("fieldbook-e2e")
        let serverDB = home.file("server.sqlite")
        let office = home.file("office.sqlite")
        let wang = home.file("wang.sqlite")

        let issued = try await server(["token", "issue"], db: serverDB, ["--name", "office", "--all"], home: home)
        #expect(issued.status == 0, "\(issued)")
        let officeToken = issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(officeToken.hasPrefix("fbk_"))

        let serve = try RunningProcess(
            Executables.path("fieldbook-server"), ["serve", "--db", serverDB, "--port", "0"],
            environment: Executables.environment(home: home.path))
        let line = try await serve.waitFor(#"([^\n]*fieldbook-server listening[^\n]*)"#)
        let port = try #require(line.firstMatch(of: /port=(\d+)/)?.1, "no port in: \(line)")
        let url = "http://127.0.0.1:\(port)"

        // The office sets up a cohort and syncs it up.
        #expect(try await fieldbook(["init"], db: office, ["--name", "Central office"], home: home).status == 0)
        #expect(
            try await fieldbook(
                ["cohort", "add"], db: office,
                ["--programme", "NPQH", "--name", "Spring 2024", "--starts", "2024-02-18"],
                home: home
            ).status == 0)
        for (name, trn) in [("Li Wei", "1234567"), ("Zhang Min", "3456789")] {
            let added = try await fieldbook(
                ["participant", "add"], db: office, ["--cohort", "Spring 2024", "--name", name, "--trn", trn],
                home: home)
            #expect(added.status == 0, "\(added)")
        }
        let event = try await fieldbook(
            ["event", "add"], db: office,
            [
                "--cohort", "Spring 2024", "--kind", "webinar", "--title", "Webinar 1", "--starts", "2024-03-13T19:30",
                "--json",
            ],
            home: home)
        let eventID = try #require(try json(event)["id"] as? String, "\(event)")
        let remote = try await fieldbook(["remote", "set"], db: office, [url, "--token", officeToken], home: home)
        #expect(remote.status == 0 && remote.stdout.contains("Remote set to \(url)"), "\(remote)")
        let officeSync = try await fieldbook(["sync"], db: office, home: home)
        #expect(officeSync.status == 0, "\(officeSync)")
        #expect(
            officeSync.stdout.contains("Synced with \(url)") && officeSync.stdout.contains("sent "), "\(officeSync)")
        let status = try await fieldbook(["status"], db: office, home: home)
        #expect(status.stdout.contains("last sync") && !status.stdout.contains("never"), "\(status)")
        #expect(status.stdout.contains("unsynced     0 changes"), "\(status)")

        // A facilitator's token for the cohort, by name; the facilitator pulls the roster and marks attendance.
        let wangIssued = try await server(
            ["token", "issue"], db: serverDB, ["--name", "wang-shanghai", "--cohort", "Spring 2024"], home: home)
        #expect(wangIssued.status == 0, "\(wangIssued)")
        let wangToken = wangIssued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await fieldbook(["init"], db: wang, ["--name", "Wang (Shanghai)"], home: home).status == 0)
        #expect(try await fieldbook(["remote", "set"], db: wang, [url, "--token", wangToken], home: home).status == 0)
        let pulled = try await fieldbook(["sync"], db: wang, home: home)
        #expect(pulled.status == 0 && pulled.stdout.contains("received "), "\(pulled)")
        for (trn, mark) in [("1234567", "present"), ("3456789", "late")] {
            let attended = try await fieldbook(["attend"], db: wang, [eventID, trn, mark], home: home)
            #expect(attended.status == 0, "\(attended)")
        }
        #expect(try await fieldbook(["sync"], db: wang, home: home).status == 0)
        #expect(try await fieldbook(["sync"], db: office, home: home).status == 0)

        let serverExport = try await server(["export", "attendance"], db: serverDB, home: home)
        #expect(serverExport.status == 0, "\(serverExport)")
        #expect(serverExport.stdout.contains("Zhang Min") && serverExport.stdout.contains("late"))
        for replica in [office, wang] {
            #expect(
                try await fieldbook(["export", "attendance"], db: replica, home: home).stdout == serverExport.stdout)
        }

        let serverStatus = try json(try await server(["status"], db: serverDB, home: home))
        #expect(serverStatus["attendance_marks"] as? Int == 2 && serverStatus["participants"] as? Int == 2)

        // The office corrects a mark; compacting the running server's log drops the mark it
        // replaced (status and remark, one value) and nothing else.
        #expect(try await fieldbook(["attend"], db: office, [eventID, "3456789", "present"], home: home).status == 0)
        #expect(try await fieldbook(["sync"], db: office, home: home).status == 0)
        let corrected = try await server(["export", "attendance"], db: serverDB, home: home)
        let compacted = try await server(["compact"], db: serverDB, ["--older-than", "0"], home: home)
        #expect(compacted.status == 0 && compacted.stdout == "Removed 2 superseded changes\n", "\(compacted)")
        #expect(try await server(["export", "attendance"], db: serverDB, home: home).stdout == corrected.stdout)
        #expect(try await server(["compact"], db: serverDB, home: home).stdout == "Removed 0 superseded changes\n")
        #expect(try await fieldbook(["attend"], db: office, [eventID, "3456789", "late"], home: home).status == 0)
        #expect(try await fieldbook(["sync"], db: office, home: home).status == 0)
        #expect(try await fieldbook(["sync"], db: wang, home: home).status == 0)

        // Tokens are listed without secrets; a revoked token is refused with exit 77.
        let listed = try await server(["token", "list"], db: serverDB, home: home)
        #expect(listed.stdout.contains("office") && listed.stdout.contains("wang-shanghai"), "\(listed)")
        #expect(!listed.stdout.contains(String(wangToken.suffix(64))), "token list printed a secret")
        let revoked = try await server(["token", "revoke"], db: serverDB, ["wang-shanghai"], home: home)
        #expect(revoked.status == 0 && revoked.stdout.contains("Revoked wang-shanghai"), "\(revoked)")
        #expect(try await server(["token", "list"], db: serverDB, home: home).stdout.contains("revoked"))
        _ = try await fieldbook(["attend"], db: wang, [eventID, "1234567", "absent"], home: home)
        let refused = try await fieldbook(["sync"], db: wang, home: home)
        #expect(refused.status == 77, "\(refused)")
        #expect(refused.stderr.contains("revoked"), "\(refused)")

        // SIGTERM stops the server cleanly; then a sync says the server is unreachable and what waits.
        serve.terminate()
        let stopped = try await serve.finish(timeout: .seconds(30))
        #expect(stopped.status == 0, "\(stopped)")
        _ = try await fieldbook(["attend"], db: office, [eventID, "3456789", "excused"], home: home)
        let status2 = try json(try await fieldbook(["status"], db: office, ["--json"], home: home))
        let unsynced = try #require(status2["unsynced_changes"] as? Int)
        #expect(unsynced > 0)
        let offline = try await fieldbook(["sync"], db: office, ["--attempts", "2"], home: home)
        #expect(offline.status == 69, "\(offline)")
        #expect(offline.stderr.contains("server unreachable"), "\(offline)")
        #expect(offline.stderr.contains("; \(unsynced) changes wait for the next sync"), "\(offline)")
    }

    @Test
    func demoShowsTheMergedRegisterAndTheConflict() async throws {
        let home = try TemporaryDirectory("fieldbook-demo")
        let demo = try await Executables.run("fieldbook", ["demo", "--directory", home.file("demo")], home: home.path)
        #expect(demo.status == 0, "\(demo)")
        for expected in [
            "Merged register, NPQH Module 1", "Zhang Min", "Conflict ledger:", "attendance mark of Zhang Min",
            "kept", "lost", "are identical",
        ] {
            #expect(demo.stdout.contains(expected), "no '\(expected)' in:\n\(demo.stdout)")
        }
    }
}
