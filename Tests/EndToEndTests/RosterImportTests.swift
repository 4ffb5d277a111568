import FieldbookTestSupport
import Foundation
import Testing

/// Issue 11, item 4: rosters as they arrive from schools and the office.
struct RosterImportTests {
    /// What Excel for Chinese Windows saves: GB18030 with Chinese headers, CRLF, and an
    /// extra column (手机, a phone number). 王𠮷 has a character outside GBK (four bytes).
    static let gb18030: [UInt8] = [
        0xD0, 0xD5, 0xC3, 0xFB, 0x2C, 0xBD, 0xCC, 0xCA, 0xA6, 0xB2, 0xCE, 0xBF, 0xBC, 0xBA, 0xC5, 0x2C, 0xD1, 0xA7,
        0xD0, 0xA3, 0x2C, 0xB3, 0xC7, 0xCA, 0xD0, 0x2C, 0xD3, 0xCA, 0xCF, 0xE4, 0x2C, 0xCA, 0xD6, 0xBB, 0xFA, 0x0D,
        0x0A, 0xC0, 0xEE, 0xCE, 0xB0, 0x2C, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x2C, 0xC9, 0xCF, 0xBA, 0xA3,
        0xC6, 0xD6, 0xB6, 0xAB, 0xCB, 0xAB, 0xD3, 0xEF, 0xD1, 0xA7, 0xD0, 0xA3, 0x2C, 0xC9, 0xCF, 0xBA, 0xA3, 0x2C,
        0x6C, 0x69, 0x2E, 0x77, 0x65, 0x69, 0x40, 0x73, 0x70, 0x62, 0x73, 0x2E, 0x63, 0x6E, 0x2C, 0x31, 0x33, 0x38,
        0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x0D, 0x0A, 0xCD, 0xF5, 0x95, 0x34, 0xB2, 0x35, 0x2C, 0x32,
        0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x2C, 0xC9, 0xEE, 0xDB, 0xDA, 0xCD, 0xE5, 0xD1, 0xA7, 0xD0, 0xA3, 0x2C,
        0xC9, 0xEE, 0xDB, 0xDA, 0x2C, 0x2C, 0x0D, 0x0A,
    ]

    static let chineseRoster =
        "姓名,教师参考号,学校,城市,邮箱,手机\r\n李伟,1234567,上海浦东双语学校,上海,li.wei@spbs.cn,13800000000\r\n王𠮷,2345678,深圳湾学校,深圳,,\r\n"

    static func utf16(_ text: String, bigEndian: Bool) -> [UInt8] {
        (bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE])
            + text.utf16.flatMap { unit in
                bigEndian ? [UInt8(unit >> 8), UInt8(unit & 0xFF)] : [UInt8(unit & 0xFF), UInt8(unit >> 8)]
            }
    }

    static func names(_ cli: CLIRunner) throws -> [String: [String: Any]] {
        var result: [String: [String: Any]] = [:]
        for participant in try cli.array("participant", "list", "--cohort", "NPQLT Spring 2024") {
            result[participant["name"] as? String ?? "?"] = participant
        }
        return result
    }

    @Test func aGB18030RosterWithChineseHeadersImports() throws {
        let day = try FieldDay()
        let file = try day.write(Self.gb18030, to: "名单.csv")
        let result = try day.cli.run(["participant", "import", "--cohort", "NPQLT Spring 2024", file])
        #expect(result.exitCode == 0, "\(result)")
        #expect(result.stdout == "Imported \(file): added 2 participants\n")
        #expect(result.stderr == "fieldbook: warning: ignored column '手机' (not name, trn, school, city or email)\n")
        let people = try Self.names(day.cli)
        #expect(people["李伟"]?["school"] as? String == "上海浦东双语学校")
        #expect(people["李伟"]?["email"] as? String == "li.wei@spbs.cn")
        #expect(people["王𠮷"]?["city"] as? String == "深圳" && people["王𠮷"]?["trn"] as? String == "2345678")
    }

    @Test(arguments: [false, true])
    func aUTF16RosterImports(bigEndian: Bool) throws {
        let day = try FieldDay()
        let file = try day.write(Self.utf16(Self.chineseRoster, bigEndian: bigEndian), to: "roster.csv")
        let result = try day.cli.run(["participant", "import", "--cohort", "NPQLT Spring 2024", file, "--json"])
        #expect(result.exitCode == 0, "\(result)")
        let imported = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(imported?["encoding"] as? String == (bigEndian ? "utf-16be" : "utf-16le"))
        #expect((imported?["added"] as? [Any])?.count == 2)
        #expect(try Self.names(day.cli)["王𠮷"]?["school"] as? String == "深圳湾学校")
    }

    @Test func theEncodingCanBeNamedAndAWrongGuessIsExplained() throws {
        let day = try FieldDay()
        let withoutBOM = Array(Self.utf16(Self.chineseRoster, bigEndian: false).dropFirst(2))
        let file = try day.write(withoutBOM, to: "nobom.csv")
        let before = try day.dump()
        let refused = try day.cli.run(["participant", "import", "--cohort", "NPQLT Spring 2024", file])
        #expect(refused.exitCode == 65 && refused.stderr.contains("looks like UTF-16 without a byte order mark"))
        let badName = try day.cli.run([
            "participant", "import", "--cohort", "NPQLT Spring 2024", "--encoding", "big5", file,
        ])
        #expect(badName.exitCode == 64 && badName.stderr.contains("--encoding 'big5' is not one of"), "\(badName)")
        let wrong = try day.cli.run([
            "participant", "import", "--cohort", "NPQLT Spring 2024", "--encoding", "utf-8",
            day.write(Self.gb18030, to: "gb.csv"),
        ])
        #expect(wrong.exitCode == 65 && wrong.stderr.contains("is not valid utf-8 text"), "\(wrong)")
        #expect(try day.dump() == before)
        let named = try day.cli.run([
            "participant", "import", "--cohort", "NPQLT Spring 2024", "--encoding", "UTF-16LE", file,
        ])
        #expect(named.exitCode == 0, "\(named)")
        let gbk = try day.cli.run([
            "participant", "import", "--cohort", "NPQSL", "--encoding", "gbk", day.write(Self.gb18030, to: "gb.csv"),
        ])
        #expect(gbk.exitCode == 66, "no such cohort: \(gbk)")
    }

    @Test func everyBadRowIsReportedInOneRunAndNothingIsImported() throws {
        let day = try FieldDay()
        let roster = """
            name,trn,school,email,notes
            Good One,1111111,School A,one@school.cn,fine
            ,2222222,School B,,no name
            Bad TRN,12345,School C,,short TRN
            Bad Email,3333333,School D,not-an-email,
            Good Two,4444444,School E,,
            Twice,1111111,School F,,repeated TRN
            Too,Many,Fields,x@y.cn,a,b
            Good Three,,,,

            """
        let file = try day.cli.directory.write(roster, to: "roster.csv")
        let before = try day.dump()
        let result = try day.cli.run(["participant", "import", "--cohort", "NPQLT Spring 2024", file])
        #expect(result.exitCode == 65, "\(result)")
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "fieldbook: 5 problems in 5 rows; nothing was imported. Fix them all and import again:",
                "  line 3, column name: name must not be empty",
                "  line 4, column trn: TRN '12345' must be exactly 7 digits (the Teacher Reference Number)",
                "  line 5, column email: email 'not-an-email' is not an email address (expected name@school.cn)",
                "  line 7, column trn: TRN 1111111 is also on line 2; each participant once",
                "  line 8: 6 fields, but the header has 5",
            ], "\(result.stderr)")
        #expect(try day.dump() == before, "nothing imported")
        // --check reports the same problems without writing.
        let check = try day.cli.run(["participant", "import", "--cohort", "NPQLT Spring 2024", "--check", file])
        #expect(check.exitCode == 65 && check.stderr.contains("5 problems in 5 rows"))
        // One problem is said on one line.
        let one = try day.cli.directory.write("姓名,TRN\nA,1\n", to: "one.csv")
        let single = try day.cli.run(["participant", "import", "--cohort", "NPQLT Spring 2024", one])
        #expect(
            single.stderr
                == "fieldbook: line 2, column TRN: TRN '1' must be exactly 7 digits (the Teacher Reference Number); nothing was imported\n"
        )
        #expect(try day.dump() == before)
    }

    @Test func updateMatchesByTRNAndCheckWritesNothing() throws {
        let day = try FieldDay()
        let cli = day.cli
        let first = try cli.directory.write(
            "name,trn,school,city\nZhou Min,7000001,School A,Wuhan\nSun Li,7000002,School B,Wuhan\n", to: "v1.csv")
        try cli.ok("participant", "import", "--cohort", "NPQLT Spring 2024", first)
        let second = try cli.directory.write(
            "Name,TRN,School,E-mail\r\nZhou Min,7000001,School A,zhou@a.cn\r\nSun Li,7000002,School B,\r\nQian Yu,7000003,School C,\r\n",
            to: "v2.csv")
        // Without --update, a known TRN is a problem that says what to do.
        let refused = try cli.run(["participant", "import", "--cohort", "NPQLT Spring 2024", second])
        #expect(refused.exitCode == 65)
        #expect(
            refused.stderr.contains(
                "line 2, column TRN: TRN 7000001 is already in cohort NPQLT Spring 2024 (Zhou Min); pass --update"))
        let before = try day.dump()
        let check = try cli.ok("participant", "import", "--cohort", "NPQLT Spring 2024", "--update", "--check", second)
        #expect(
            check
                == "Checked \(second) (utf-8): would add 1 participant, would update 1, 1 unchanged; nothing was written\n"
        )
        #expect(try day.dump() == before, "--check writes nothing")
        let done = try cli.ok("participant", "import", "--cohort", "NPQLT Spring 2024", "--update", second)
        #expect(done == "Imported \(second): added 1 participant, updated 1, 1 unchanged\n")
        let people = try Self.names(cli)
        #expect(people.count == 3)
        #expect(people["Zhou Min"]?["email"] as? String == "zhou@a.cn")
        #expect(people["Zhou Min"]?["city"] as? String == "Wuhan", "columns the file lacks are kept")
        #expect(people["Sun Li"]?["email"] == nil)
        // Importing the same file again changes nothing.
        let again = try day.dump()
        #expect(
            try cli.ok("participant", "import", "--cohort", "NPQLT Spring 2024", "--update", second)
                == "Imported \(second): added 0 participants, updated 0, 3 unchanged\n")
        #expect(try day.dump() == again)
    }
}
