import FieldbookCore
import Testing

@testable import Fieldbook

/// The roster's columns and checks, without a replica.
struct RosterPlanTests {
    static func plan(_ csv: String, existing: [Participant] = [], update: Bool = false) throws -> RosterPlan {
        RosterPlan(records: try CSVReader.records(csv), existing: existing, update: update, cohort: "NPQH Spring 2024")
    }

    @Test(arguments: [
        ("姓名", RosterColumn.name), ("教师参考号", .trn), ("TRN", .trn), ("教师参考号/TRN", .trn), ("学校", .school),
        ("城市", .city), ("邮箱", .email), ("E-mail", .email), (" Full Name ", .name), ("ＥＭＡＩＬ", .email),
    ])
    func headersInEnglishAndChinese(header: String, column: RosterColumn) {
        #expect(RosterColumn(header: header) == column)
    }

    @Test func unknownColumnsAreIgnoredAndPaddedRowsAccepted() throws {
        let plan = try Self.plan("姓名,手机,学校\n李伟,138,SPBS,,\n,,\n")
        #expect(plan.problems.isEmpty, "\(plan.problems)")
        #expect(plan.ignoredColumns == ["手机"])
        #expect(plan.additions.map(\.participant.name) == ["李伟"])
        #expect(plan.additions.first?.participant.school == "SPBS")
    }

    @Test func aRepeatedColumnAndAMissingNameAreHeaderProblems() throws {
        #expect(
            try Self.plan("name,姓名\nA,B\n").problems.map(\.description) == [
                "line 1, column 姓名: the header names 'name' twice"
            ])
        #expect(try Self.plan("trn\n1234567\n").problems.first?.description.contains("no name column") == true)
    }

    @Test func knownTRNsUpdateOnlyWithUpdate() throws {
        let known = Participant(
            id: RowID(.zero), cohortID: RowID(.zero), name: "Li Wei", trn: "1234567", school: "Old", city: "Shanghai")
        let refused = try Self.plan("name,trn,school\nLi Wei,1234567,New\n", existing: [known])
        #expect(refused.problems.first?.reason.contains("pass --update") == true)
        let plan = try Self.plan("name,trn,school,city\nLi Wei,1234567,New,\n", existing: [known], update: true)
        #expect(plan.problems.isEmpty && plan.additions.isEmpty)
        #expect(plan.updates.first?.changes == [.school: "New"], "an empty cell keeps the city")
    }
}
