import FieldbookTestSupport
import Foundation
import Testing

/// Issue 11, item 3: a printable sign-in sheet for an event, one self-contained HTML page.
struct SignInSheetTests {
    @Test func theSheetIsOnePrintablePageWithEveryParticipantEscaped() throws {
        let day = try FieldDay()
        let cli = day.cli
        try cli.ok(
            "participant", "add", "--cohort", "NPQH Spring 2024", "--name", "<script>alert(\"x\")</script>",
            "--school", "A & B <b>School</b>")
        let file = cli.directory.path("module1.html")
        let said = try cli.ok("event", "sheet", "Module 1", "--output", file)
        #expect(said == "Wrote the sign-in sheet of \"Module 1\" (5 participants) to \(file)\n")
        let html = readText(file)

        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"))
        #expect(html.hasSuffix("</html>\n"))
        for expected in [
            "<title>Sign-in sheet: Module 1</title>", "National Professional Qualification for Headship (NPQH)",
            "<dd>NPQH Spring 2024</dd>", "<dd>Face-to-face session, module 1</dd>",
            "<dd>Sat 2024-03-02 09:00 Asia/Shanghai</dd>", "<dd>Shanghai Pudong Bilingual School, Shanghai</dd>",
            "@page { size: A4 portrait;", "thead { display: table-header-group; }", "<th>Signature 签名</th>",
            "<td class=\"name\">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</td>",
            "<td>A &amp; B &lt;b&gt;School&lt;/b&gt;</td>", "<td class=\"trn\">1234567</td>",
            "<td class=\"pinyin\">lǐ wěi</td>", "5 participants.",
        ] {
            #expect(html.contains(expected), "no \(expected) in:\n\(html)")
        }
        // Hostile text never becomes markup, and nothing is fetched: it prints offline.
        #expect(!html.contains("<script") && !html.contains("<b>"))
        for fetch in ["src=", "href=", "<link", "@import", "url(", "http"] {
            #expect(!html.contains(fetch), "the page fetches something: \(fetch)")
        }
        // Sorted by name as read: a Chinese name by its pinyin, so 李伟 sits by Li Wei.
        let names = html.components(separatedBy: "<td class=\"name\">").dropFirst().map {
            String($0.prefix { $0 != "<" })
        }
        #expect(names == ["&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;", "Chen Jie", "Li Wei", "李伟", "王芳"])
        #expect(html.components(separatedBy: "<td class=\"sign\"></td>").count == 6, "a box to sign on every line")

        // Standard output without --output, and the data with --json.
        #expect(try cli.ok("event", "sheet", day.module1) == html)
        let json = try cli.object("event", "sheet", day.module1)
        #expect((json["lines"] as? [Any])?.count == 5)
        #expect(json["programme_title"] as? String == "National Professional Qualification for Headship")
    }

    @Test func aBadEventOrFolderIsOneLineAndNoFile() throws {
        let day = try FieldDay()
        let cli = day.cli
        let unknown = try cli.run(["event", "sheet", "Module 9", "--output", cli.directory.path("x.html")])
        #expect(unknown.exitCode == 66 && unknown.stderrLines.count == 1 && unknown.stdout.isEmpty, "\(unknown)")
        #expect(!FileManager.default.fileExists(atPath: cli.directory.path("x.html")))
        let folder = cli.directory.path("no/such/folder/sheet.html")
        let unwritable = try cli.run(["event", "sheet", "Module 1", "--output", folder])
        #expect(unwritable.exitCode == 74 && unwritable.stderrLines.count == 1, "\(unwritable)")
        #expect(unwritable.stderr.contains("cannot write \(folder)"), "\(unwritable)")
    }
}
