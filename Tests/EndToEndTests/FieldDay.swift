import FieldbookTestSupport
import Foundation
import Testing

/// A replica set up through the real `fieldbook` binary as the office would on a field
/// day: two cohorts both called "Spring 2024" (NPQH and NPQLT), a venue, a Chinese and
/// English roster, and a face-to-face session.
struct FieldDay {
    let cli: CLIRunner
    /// The NPQH cohort's full ID.
    let npqh: String
    /// The NPQLT cohort's full ID.
    let npqlt: String
    /// The face-to-face session of NPQH Spring 2024 (short ID).
    let module1: String
    /// The NPQH participants by name: 李伟 (1234567), Li Wei (2345678), 王芳 (3456789), Chen Jie (no TRN).
    let people: [String: String]

    init() throws {
        cli = try CLIRunner()
        try cli.ok("init", "--name", "Wang Li (Shanghai laptop)")
        npqh = try #require(
            try cli.object("cohort", "add", "--programme", "NPQH", "--name", "Spring 2024", "--starts", "2024-02-18")[
                "id"] as? String)
        npqlt = try #require(
            try cli.object("cohort", "add", "--programme", "NPQLT", "--name", "Spring 2024")["id"] as? String)
        try cli.ok("venue", "add", "--city", "Shanghai", "--school", "Shanghai Pudong Bilingual School")
        var people: [String: String] = [:]
        for (name, trn) in [("李伟", "1234567"), ("Li Wei", "2345678"), ("王芳", "3456789"), ("Chen Jie", "")] {
            var arguments = ["participant", "add", "--cohort", "NPQH Spring 2024", "--name", name, "--school", "SPBS"]
            if !trn.isEmpty { arguments += ["--trn", trn] }
            let result = try cli.run(arguments + ["--json"])
            #expect(result.exitCode == 0, "\(result)")
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            people[name] = try #require(object?["id"] as? String)
        }
        self.people = people
        let event = try cli.object(
            "event", "add", "--cohort", "NPQH Spring 2024", "--kind", "face-to-face", "--title", "Module 1",
            "--starts", "2024-03-02T09:00", "--venue", "Shanghai Pudong Bilingual School", "--module", "1")
        module1 = Self.short(try #require(event["id"] as? String))
    }

    /// The 8-character short ID the CLI prints for a full ID.
    static func short(_ id: String) -> String {
        String(id.replacingOccurrences(of: "-", with: "").suffix(12).prefix(8))
    }

    /// The statuses of the register of `event`, by participant name.
    func register(_ event: String) throws -> [String: String] {
        let lines = try #require(try cli.object("register", event)["lines"] as? [[String: Any]])
        var result: [String: String] = [:]
        for line in lines {
            let participant = line["participant"] as? [String: Any]
            result[participant?["name"] as? String ?? "?"] = line["status"] as? String
        }
        return result
    }

    /// Writes raw bytes into the folder and returns the path.
    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let path = cli.directory.path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The replica's canonical content, to show a refused command changed nothing.
    func dump() throws -> String { try canonicalDump(ofFile: cli.db) }
}
