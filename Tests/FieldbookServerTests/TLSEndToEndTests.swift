import FieldbookTestSupport
import Foundation
import Testing

/// HTTPS end to end with the real `fieldbook-server` and `fieldbook`: a private CA made by
/// the test, a server answering with a certificate it signed, and laptops that trust it,
/// do not, or are shown a certificate that is wrong in another way.
///
/// Every refusal must come as the documented line (`cannot trust the server at URL: …`)
/// with exit 69, before the device token is sent (the token stays unbound), and leave the
/// laptop's replica exactly as it was.
///
/// `sync` draws its progress line on standard error; a warning or an error is a line of its
/// own starting `fieldbook:`, so "no `fieldbook:` on stderr" means neither was printed.
@Suite(.serialized)
struct TLSEndToEndTests {
    let home: TemporaryDirectory
    let certificates: TestCertificates

    init() throws {
        home = try TemporaryDirectory("fieldbook-tls-e2e")
        certificates = try TestCertificates()
    }

    func fieldbook(_ arguments: [String], db: String) async throws -> ProcessResult {
        guard let split = arguments.firstIndex(where: { $0.hasPrefix("-") || $0.contains("://") }) else {
            return try await Executables.run("fieldbook", arguments + ["--db", db], home: home.path)
        }
        return try await Executables.run(
            "fieldbook", Array(arguments[..<split]) + ["--db", db] + arguments[split...], home: home.path)
    }

    func server(_ arguments: [String], db: String) async throws -> ProcessResult {
        try await Executables.run("fieldbook-server", arguments + ["--db", db], home: home.path)
    }

    /// Starts `serve` with `tls` (certificate, key), or plain HTTP; returns the process and its port.
    func serve(db: String, tls: (certificate: String, key: String)?) async throws -> (RunningProcess, Int, String) {
        var arguments = ["serve", "--db", db, "--port", "0"]
        if let tls { arguments += ["--tls-cert", tls.certificate, "--tls-key", tls.key] }
        let process = try RunningProcess(
            Executables.path("fieldbook-server"), arguments, environment: Executables.environment(home: home.path))
        // Two minutes: a server's first start (its store, its console's tables) took over
        // 30 s once beside the whole suite on two cores; a hang still fails.
        let line = try await process.waitFor(#"([^\n]*fieldbook-server listening[^\n]*)"#, timeout: .seconds(120))
        let port = try #require(line.firstMatch(of: /port=(\d+)/).flatMap { Int($0.1) }, "no port in: \(line)")
        return (process, port, line)
    }

    func token(_ name: String, db: String) async throws -> String {
        let issued = try await server(["token", "issue", "--name", name, "--all"], db: db)
        #expect(issued.status == 0, "\(issued)")
        return issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A laptop replica with a cohort and a participant written offline.
    func laptop(_ name: String, trn: String = "1234567") async throws -> String {
        let db = home.file("\(name).sqlite")
        #expect(try await fieldbook(["init", "--name", name], db: db).status == 0)
        let cohort = try await fieldbook(
            ["cohort", "add", "--programme", "NPQH", "--name", "Cohort \(name)", "--starts", "2024-02-18"], db: db)
        #expect(cohort.status == 0, "\(cohort)")
        let participant = try await fieldbook(
            ["participant", "add", "--cohort", "Cohort \(name)", "--name", "Li \(name)", "--trn", trn], db: db)
        #expect(participant.status == 0, "\(participant)")
        return db
    }

    /// The sync must fail with exit 69 and one line naming `reason`, change nothing in the
    /// replica and leave the token unbound (it never reached the server).
    func expectRefusedCertificate(
        _ db: String, url: String, reason: String, serverDB: String, tokenName: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let before = try canonicalDump(ofFile: db)
        let sync = try await fieldbook(["sync"], db: db)
        #expect(sync.status == 69, "\(sync)", sourceLocation: sourceLocation)
        let lines = sync.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(sync)", sourceLocation: sourceLocation)
        #expect(
            sync.stderr.hasPrefix("fieldbook: cannot trust the server at \(url): ") && sync.stderr.contains(reason),
            "\(sync)", sourceLocation: sourceLocation)
        #expect(sync.stdout.isEmpty, "\(sync)", sourceLocation: sourceLocation)
        // No retries with backoff: a certificate does not mend itself in a minute. A retry
        // would have written its own line ("…; retrying in 2 s, attempt 2"); the clock is
        // not asked, as a loaded machine once took 28 s for the one attempt.
        #expect(!sync.stderr.contains("retrying"), "\(sync)", sourceLocation: sourceLocation)
        #expect(try canonicalDump(ofFile: db) == before, sourceLocation: sourceLocation)
        let tokens = try await server(["token", "list"], db: serverDB)
        let line = tokens.stdout.split(separator: "\n").first { $0.hasPrefix(tokenName + "\t") }
        #expect(line?.hasSuffix("\tunbound") == true, "\(tokens)", sourceLocation: sourceLocation)
    }

    @Test func syncOverHTTPSWithThePrivateCAConvergesAndKeepsWorkingWhenTheCAFileMoves() async throws {
        let serverDB = home.file("server.sqlite")
        let officeToken = try await token("office", db: serverDB)
        let otherToken = try await token("other", db: serverDB)
        let (serve, port, line) = try await serve(db: serverDB, tls: certificates.server)
        defer { serve.terminate() }
        #expect(line.contains("scheme=https"), "\(line)")

        // The CA file is copied, set, then deleted: the replica keeps its own copy.
        let caCopy = home.file("office-ca.pem")
        try FileManager.default.copyItem(atPath: certificates.ca, toPath: caCopy)
        let office = try await laptop("office")
        let url = "https://127.0.0.1:\(port)"
        let remote = try await fieldbook(["remote", "set", url, "--token", officeToken, "--ca", caCopy], db: office)
        #expect(remote.status == 0 && remote.stderr.isEmpty, "\(remote)")
        #expect(remote.stdout.contains("Remote set to \(url), trusting only the CA in \(caCopy)"), "\(remote)")
        try FileManager.default.removeItem(atPath: caCopy)
        let synced = try await fieldbook(["sync"], db: office)
        #expect(synced.status == 0 && !synced.stderr.contains("fieldbook:"), "\(synced)")
        #expect(synced.stdout.contains("Synced with \(url)"), "\(synced)")

        // Another laptop, by host name, with its own changes: both converge through the server.
        let other = try await laptop("other", trn: "2345678")
        let byName = "https://localhost:\(port)"
        #expect(
            try await fieldbook(["remote", "set", byName, "--token", otherToken, "--ca", certificates.ca], db: other)
                .status == 0)
        for _ in 0..<2 {
            for db in [other, office] {
                let sync = try await fieldbook(["sync"], db: db)
                #expect(sync.status == 0 && !sync.stderr.contains("fieldbook:"), "\(sync)")
            }
        }
        for listing in [["participant", "list"], ["cohort", "list"]] {
            let atOffice = try await fieldbook(listing + ["--json"], db: office)
            #expect(atOffice.status == 0, "\(atOffice)")
            #expect(try await fieldbook(listing + ["--json"], db: other).stdout == atOffice.stdout)
        }
        let participants = try await fieldbook(["participant", "list"], db: other).stdout
        #expect(participants.contains("Li office") && participants.contains("Li other"), "\(participants)")

        // `remote set` without --ca keeps the stored CA; --system-trust forgets it.
        let kept = try await fieldbook(["remote", "set", url], db: office)
        #expect(kept.stdout.contains("trusting only the CA stored earlier"), "\(kept)")
        #expect(try await fieldbook(["sync"], db: office).status == 0)
        #expect(try await fieldbook(["remote", "set", url, "--system-trust"], db: office).status == 0)
        let untrusted = try await fieldbook(["sync"], db: office)
        #expect(untrusted.status == 69 && untrusted.stderr.contains("(untrusted issuer)"), "\(untrusted)")
    }

    @Test func aLaptopThatDoesNotTrustTheCAStopsBeforeSendingItsToken() async throws {
        let serverDB = home.file("server.sqlite")
        let token = try await token("wang", db: serverDB)
        let (serve, port, _) = try await serve(db: serverDB, tls: certificates.server)
        defer { serve.terminate() }
        let wang = try await laptop("wang")
        let url = "https://127.0.0.1:\(port)"

        // The system's trust store: the private CA is not in it.
        #expect(try await fieldbook(["remote", "set", url, "--token", token], db: wang).status == 0)
        try await expectRefusedCertificate(
            wang, url: url,
            reason: "(untrusted issuer); if the office runs its own CA, run `fieldbook remote set \(url) --ca",
            serverDB: serverDB, tokenName: "wang")

        // Trusting somebody else's CA does not open it either.
        #expect(
            try await fieldbook(["remote", "set", url, "--ca", certificates.unrelatedCA], db: wang).status == 0)
        try await expectRefusedCertificate(
            wang, url: url, reason: "(untrusted issuer)", serverDB: serverDB, tokenName: "wang")

        // Plain HTTP to an HTTPS port is not a way round: no answer that is Fieldbook's.
        let plain = try await fieldbook(["sync", "--server", "http://127.0.0.1:\(port)", "--attempts", "1"], db: wang)
        #expect(plain.status == 69, "\(plain)")
    }

    @Test func aCertificateForAnotherHostIsRefused() async throws {
        let serverDB = home.file("server.sqlite")
        let token = try await token("wang", db: serverDB)
        let (serve, port, _) = try await serve(db: serverDB, tls: certificates.wrongHost)
        defer { serve.terminate() }
        let wang = try await laptop("wang")
        let url = "https://127.0.0.1:\(port)"
        #expect(
            try await fieldbook(["remote", "set", url, "--token", token, "--ca", certificates.ca], db: wang).status == 0
        )
        try await expectRefusedCertificate(
            wang, url: url, reason: "(wrong host); check the server URL", serverDB: serverDB, tokenName: "wang")
    }

    @Test func anExpiredCertificateIsRefused() async throws {
        let serverDB = home.file("server.sqlite")
        let token = try await token("wang", db: serverDB)
        let (serve, port, _) = try await serve(db: serverDB, tls: certificates.expired)
        defer { serve.terminate() }
        let wang = try await laptop("wang")
        let url = "https://localhost:\(port)"
        #expect(
            try await fieldbook(["remote", "set", url, "--token", token, "--ca", certificates.ca], db: wang).status == 0
        )
        try await expectRefusedCertificate(
            wang, url: url, reason: "(expired); ask the office to renew it", serverDB: serverDB, tokenName: "wang")
    }

    @Test func theConsoleOverHTTPSSetsASecureSessionCookie() async throws {
        let serverDB = home.file("server.sqlite")
        let password = "correct horse battery"
        let added = try runProcess(
            URL(fileURLWithPath: Executables.path("fieldbook-server")),
            ["user", "add", "li.na", "--role", "admin", "--db", serverDB],
            environment: Executables.environment(home: home.path), input: password + "\n")
        #expect(added.exitCode == 0, "\(added)")
        let (serve, port, _) = try await serve(db: serverDB, tls: certificates.server)
        defer { serve.terminate() }

        // As a browser would: the sign-in form (its CSRF token and pre-session cookie), then the form posted.
        let jar = home.file("cookies.txt")
        let base = ["--silent", "--show-error", "--cacert", certificates.ca, "--cookie", jar, "--cookie-jar", jar]
        let form = try runProcess(
            URL(fileURLWithPath: "/usr/bin/curl"), base + ["https://localhost:\(port)/signin"], timeout: 30)
        #expect(form.exitCode == 0, "\(form)")
        let csrf = try #require(form.stdout.firstMatch(of: /name="csrf" value="([^"]+)"/)?.1, "\(form)")
        let signedIn = try runProcess(
            URL(fileURLWithPath: "/usr/bin/curl"),
            base + [
                "--dump-header", "-", "--output", "/dev/null", "--data-urlencode", "csrf=\(csrf)",
                "--data-urlencode", "name=li.na", "--data-urlencode", "password=\(password)",
                "https://localhost:\(port)/signin",
            ], timeout: 30)
        let cookie = try #require(
            signedIn.stdout.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie: fb_session=") },
            "\(signedIn)")
        #expect(cookie.contains("; Secure") && cookie.contains("HttpOnly"), "\(cookie)")
    }

    @Test func plainHTTPOnLoopbackWorksWithoutAWarning() async throws {
        let serverDB = home.file("server.sqlite")
        let token = try await token("office", db: serverDB)
        let (serve, port, line) = try await serve(db: serverDB, tls: nil)
        defer { serve.terminate() }
        #expect(line.contains("scheme=http ") || line.hasSuffix("scheme=http"), "\(line)")
        let office = try await laptop("office")
        for host in ["127.0.0.1", "localhost"] {
            let remote = try await fieldbook(["remote", "set", "http://\(host):\(port)", "--token", token], db: office)
            #expect(remote.status == 0 && remote.stderr.isEmpty, "\(remote)")
            let sync = try await fieldbook(["sync"], db: office)
            #expect(sync.status == 0 && !sync.stderr.contains("fieldbook:"), "\(sync)")
        }
    }

    @Test func aTokenAboutToGoInClearToAnotherHostIsWarnedAboutOnce() async throws {
        let wang = try await laptop("wang")
        // TEST-NET-1 (RFC 5737): routed nowhere, so nothing is sent to anybody.
        let url = "http://192.0.2.1:8080"
        let token = "fbk_00000000_" + String(repeating: "0", count: 64)
        let remote = try await fieldbook(["remote", "set", url, "--token", token], db: wang)
        #expect(remote.status == 0, "\(remote)")
        let warning = "fieldbook: warning: the device token goes to 192.0.2.1 unencrypted over http://"
        #expect(remote.stderr.hasPrefix(warning) && remote.stderr.split(separator: "\n").count == 1, "\(remote)")

        let sync = try await fieldbook(["sync", "--attempts", "1", "--timeout", "1"], db: wang)
        #expect(sync.status == 69, "\(sync)")
        let warnings = sync.stderr.split(separator: "\n").filter { $0.hasPrefix(warning) }
        #expect(warnings.count == 1, "\(sync)")
    }

    @Test(arguments: [
        (["--tls-cert", "CERT"], 64, "fieldbook-server: --tls-cert and --tls-key go together"),
        (["--tls-key", "KEY"], 64, "fieldbook-server: --tls-cert and --tls-key go together"),
        (["--tls-cert", "GARBAGE", "--tls-key", "KEY"], 65, "garbage.pem holds no PEM certificate"),
        (["--tls-cert", "CERT", "--tls-key", "GARBAGE"], 65, "garbage.pem holds no unencrypted PEM private key"),
        (["--tls-cert", "CERT", "--tls-key", "OTHERKEY"], 65, "does not belong to the certificate"),
        (["--tls-cert", "MISSING", "--tls-key", "KEY"], 66, "fieldbook-server: no file at"),
    ])
    func serveRefusesBadTLSFilesBeforeListening(_ bad: (flags: [String], status: Int32, message: String)) async throws {
        let (flags, status, message) = bad
        let garbage = home.file("garbage.pem")
        try "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n".write(
            toFile: garbage, atomically: true, encoding: .utf8)
        let substitutions = [
            "CERT": certificates.server.certificate, "KEY": certificates.server.key, "GARBAGE": garbage,
            "OTHERKEY": certificates.wrongHost.key, "MISSING": home.file("missing.pem"),
        ]
        let serverDB = home.file("server.sqlite")
        let result = try await Executables.run(
            "fieldbook-server", ["serve", "--db", serverDB, "--port", "0"] + flags.map { substitutions[$0] ?? $0 },
            home: home.path, timeout: .seconds(30))
        #expect(result.status == status, "\(result)")
        #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.contains(message), "\(result)")
        #expect(!result.stdout.contains("listening") && !result.stderr.contains("listening"), "\(result)")
        // It stopped before opening (and creating) its store.
        #expect(!FileManager.default.fileExists(atPath: serverDB), "\(result)")
    }
}
