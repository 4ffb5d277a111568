import Foundation
import Testing

/// `fieldbook bundle` as a facilitator uses it with a file that did not survive the trip
/// whole: a chat app that stopped the download half way, a USB stick with a bad sector.
struct BundleCommandTests {
    /// An office replica with a roster of 300, its bundle in 1 KB frames, and a fresh laptop.
    static func prepare(_ cli: CLIRunner) throws -> (bundle: [UInt8], frames: Int, changes: Int, laptop: String) {
        try cli.ok("init", "--name", "Office")
        try cli.ok("cohort", "add", "--programme", "NPQH", "--name", "Spring 2024", "--starts", "2024-03-02")
        var csv = "name,trn,school,city\n"
        for index in 0..<300 { csv += "王老师 \(index),\(6_000_000 + index),上海市第\(index % 9 + 1)中学,上海\n" }
        try csv.write(toFile: cli.directory.path("roster.csv"), atomically: true, encoding: .utf8)
        try cli.ok("participant", "import", "--cohort", "Spring 2024", cli.directory.path("roster.csv"))
        let written = try cli.object("bundle", "export", cli.directory.path("all.fbk"), "--frame-bytes", "1024")
        let frames = try #require(written["frames"] as? Int)
        let changes = try #require(written["changes"] as? Int)
        let laptop = cli.directory.path("laptop.sqlite")
        try cli.ok("init", "--name", "Laptop", db: laptop)
        let bundle = try [UInt8](Data(contentsOf: URL(fileURLWithPath: cli.directory.path("all.fbk"))))
        return (bundle, frames, changes, laptop)
    }

    func write(_ bytes: [UInt8], _ name: String, in cli: CLIRunner) throws -> String {
        let path = cli.directory.path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aBundleCutShortKeepsItsWholeFramesAndTheWholeFileFinishesTheJob() throws {
        let cli = try CLIRunner()
        let (bundle, frames, changes, laptop) = try Self.prepare(cli)
        #expect(frames > 20, "300 participants should need many 1 KB frames")
        let cut = try write(Array(bundle.prefix(bundle.count / 2)), "cut.fbk", in: cli)
        let partial = try cli.run(["bundle", "import", cut], db: laptop)
        #expect(partial.exitCode == 65, "\(partial)")
        #expect(partial.stdout.isEmpty && partial.stderrLines.count == 1, "\(partial)")
        let line = try #require(partial.stderrLines.first)
        let match = try #require(
            line.firstMatch(
                of:
                    /^fieldbook: the bundle is cut short after frame (\d+) of (\d+): (\d+) of its (\d+) changes merged; import a whole copy, or ask for a new bundle, to get the rest$/
            ),
            "\(line)")
        #expect(Int(match.2) == frames && Int(match.4) == changes)
        let kept = try #require(Int(match.3))
        #expect(kept > 0 && kept < changes)
        let roster = try cli.array("participant", "list", db: laptop)
        #expect(roster.count > 0 && roster.count < 300, "the whole frames before the cut were kept: \(roster.count)")

        let finished = try cli.object("bundle", "import", cli.directory.path("all.fbk"), db: laptop)
        #expect(finished["duplicates"] as? Int == kept, "what the cut file merged came again as new")
        #expect(finished["received"] as? Int == changes - kept)
        #expect(try cli.array("participant", "list", db: laptop).count == 300)
    }

    @Test func aBundleDamagedInTheMiddleSaysWhereAndKeepsWhatCameBefore() throws {
        let cli = try CLIRunner()
        let (bundle, frames, changes, laptop) = try Self.prepare(cli)
        var damaged = bundle
        damaged[bundle.count * 2 / 3] ^= 0xFF
        let path = try write(damaged, "damaged.fbk", in: cli)
        let result = try cli.run(["bundle", "import", path], db: laptop)
        #expect(result.exitCode == 65 && result.stderrLines.count == 1, "\(result)")
        let line = result.stderrLines.first ?? ""
        #expect(line.hasPrefix("fieldbook: the bundle is damaged in frame "), "\(line)")
        #expect(line.contains(" of \(frames) ("), "\(line)")
        #expect(
            line.contains(" frames before it were merged (") && line.contains(" of its \(changes) changes)"), "\(line)")
        let finished = try cli.object("bundle", "import", cli.directory.path("all.fbk"), db: laptop)
        #expect((finished["duplicates"] as? Int ?? 0) > 0)
        #expect((finished["duplicates"] as? Int ?? 0) + (finished["received"] as? Int ?? 0) == changes)
    }
}
