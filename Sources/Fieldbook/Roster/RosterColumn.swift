/// A column of a roster file, recognised by its header in English or Chinese.
///
/// Rosters come from the schools and the office as they are: "Name" or "姓名",
/// "TRN" or "教师参考号", "E-mail" or "邮箱". Headers are compared loosely (case,
/// spaces, hyphens, full-width letters), so "E-mail", "email" and "ＥＭＡＩＬ" are one.
public enum RosterColumn: String, Sendable, CaseIterable, Codable, CodingKeyRepresentable {
    case name, trn, school, city, email

    /// The headers that name this column, as folded by ``NameMatching/folded(_:)``.
    static let aliases: [RosterColumn: [String]] = [
        .name: ["name", "fullname", "participant", "participantname", "姓名", "名字", "学员姓名"],
        .trn: [
            "trn", "teacherreferencenumber", "教师参考号", "教师参考号/trn", "教师参考号(trn)", "教师参考号（trn）",
            "trn/教师参考号",
        ],
        .school: ["school", "学校", "单位", "工作单位", "所在学校"],
        .city: ["city", "城市", "所在城市"],
        .email: ["email", "emailaddress", "邮箱", "电子邮箱", "电子邮件", "邮件"],
    ]

    /// The column a header names, if any.
    public init?(header: String) {
        let folded = NameMatching.folded(header)
        guard let column = Self.allCases.first(where: { Self.aliases[$0]!.contains(folded) }) else { return nil }
        self = column
    }
}
