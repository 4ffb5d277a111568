import FieldbookCore
import FieldbookServer
import Foundation
import HummingbirdTesting
import Testing

/// CSV and XLSX downloads, byte by byte, on every store.
@Suite struct ConsoleExportTests {
    @Test(arguments: StoreBackend.available)
    func attendanceCSVOpensInExcelWithChineseNamesAndUnmarkedLines(_ backend: StoreBackend) async throws {
        try await ConsoleHarness.forEach(backend) { harness, client in
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn(ConsoleHarness.viewerName, ConsoleHarness.password)
            let csv = try await browser.get("/exports/attendance.csv")
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentDisposition]?.contains("attachment") == true)
            #expect(Array(csv.bytes.prefix(3)) == [0xEF, 0xBB, 0xBF], "UTF-8 byte-order mark")
            let wang: [UInt8] = [0xE7, 0x8E, 0x8B, 0xE8, 0x8A, 0xB3]  // 王芳
            #expect(csv.bytes.indices.contains { csv.bytes[$0...].starts(with: wang) })
            let lines = csv.text.dropFirst().components(separatedBy: "\r\n")
            #expect(lines[0].hasPrefix("programme,cohort,event,kind,module,starts,zone,venue,venue_city,participant"))
            #expect(lines.last == "", "every line ends with CRLF")
            #expect(lines.count - 2 == 4 * 3, "4 headship participants × 3 events; the teaching cohort has no events")
            #expect(
                lines.filter { $0.hasSuffix(",unmarked,") }.count == 4 + 1,
                "the third session, and Chen Jing at the webinar")
            #expect(lines.contains { $0.contains("王芳,1234567,上海浦东外国语学校,上海,present") })
            let one = try await browser.get("/exports/attendance.csv?cohort=\(harness.scenario.teaching.id)")
            #expect(
                one.text.components(separatedBy: "\r\n").count == 2, "header only: the teaching cohort has no events")
            let notes = try await browser.get("/exports/notes.csv")
            #expect(notes.text.contains("\"王芳 led the group discussion, \"\"excellent\"\"\""))
        }
    }

    @Test(arguments: StoreBackend.available)
    func attendanceXLSXIsAZipOfTheWorkbookParts(_ backend: StoreBackend) async throws {
        try await ConsoleHarness.forEach(backend) { harness, client in
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn(ConsoleHarness.viewerName, ConsoleHarness.password)
            let xlsx = try await browser.get("/exports/attendance.xlsx")
            #expect(xlsx.status == .ok)
            #expect(Array(xlsx.bytes.prefix(4)) == [0x50, 0x4B, 0x03, 0x04])
            let end = Array(xlsx.bytes.suffix(22))
            #expect(Array(end.prefix(4)) == [0x50, 0x4B, 0x05, 0x06])
            #expect(end[10] == 5, "five parts")
            let text = String(decoding: xlsx.bytes, as: UTF8.self)
            #expect(text.contains("xl/worksheets/sheet1.xml") && text.contains("<t xml:space=\"preserve\">王芳</t>"))
            let folder = harness.directory.path("xlsx")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let file = folder + "/attendance.xlsx"
            try Data(xlsx.bytes).write(to: URL(fileURLWithPath: file))
            // Python's zipfile checks every entry's CRC, as Excel does.
            let check = Process()
            check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            check.arguments = [
                "python3", "-c", "import zipfile,sys; sys.exit(zipfile.ZipFile(sys.argv[1]).testzip() is not None)",
                file,
            ]
            try check.run()
            check.waitUntilExit()
            #expect(check.terminationStatus == 0)
        }
    }
}
