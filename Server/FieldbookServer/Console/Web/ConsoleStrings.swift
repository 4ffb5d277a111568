/// The console's words in each language, by key; templates read them as `{{t.key}}`.
///
/// One table, so a missing translation shows as English rather than as a blank.
enum ConsoleStrings {
    static func table(_ language: ConsoleLanguage) -> [String: String] {
        guard language == .chinese else { return english }
        return english.merging(chinese) { _, chinese in chinese }
    }

    static let english: [String: String] = [
        "title": "Fieldbook office console", "overview": "Overview", "conflicts": "Conflicts",
        "laptops": "Laptops and tokens", "audit": "Audit log", "exports": "Exports", "signIn": "Sign in",
        "signOut": "Sign out", "name": "Name", "password": "Password", "programme": "Programme", "city": "City",
        "cohort": "Cohort", "cohorts": "Cohorts", "participants": "Participants", "events": "Events",
        "rate": "Attendance",
        "below": "Below threshold", "threshold": "Threshold", "openConflicts": "Open conflicts",
        "quarantined": "Quarantined changes", "staleLaptops": "Laptops not synced for 7 days",
        "participant": "Participant", "trn": "TRN", "school": "School", "event": "Event", "kind": "Kind",
        "starts": "Starts (Shanghai)", "localTime": "Local time", "venue": "Venue", "status": "Status",
        "remark": "Remark", "notes": "Notes", "author": "Author", "written": "Written", "value": "Value",
        "winner": "Current version", "loser": "Concurrent version", "keep": "Keep this one", "cell": "Record",
        "noConflicts": "No open conflicts.", "laptop": "Laptop", "lastChange": "Last change received",
        "changesHeld": "Changes held", "tokens": "Tokens", "issued": "Issued", "revoked": "Revoked",
        "scope": "Scope", "revoke": "Revoke", "issue": "Issue a token", "allCohorts": "All cohorts (office)",
        "release": "Release quarantined changes", "time": "Time", "user": "User", "action": "Action",
        "detail": "Detail", "attendanceCSV": "Attendance (CSV)", "attendanceXLSX": "Attendance (Excel)",
        "notesCSV": "Notes (CSV)", "history": "Attendance history", "save": "Save", "unmarked": "unmarked",
        "legend": "P present · L late · A absent · E excused · – unmarked",
        "shownOnce":
            "Copy this token now: it is shown once.", "viewerNote": "You can read; an admin changes things.",
        "error": "Something went wrong", "back": "Back to the overview", "signedInAs": "Signed in as",
        "never": "never", "flagged": "below threshold", "email": "Email", "module": "Module",
        "token": "Token", "lastSync": "Last sync", "schema": "Schema", "unsynced": "Unsynced",
        "clock": "clock", "app": "App", "unknown": "unknown", "changeHistory": "Change history", "column": "Field",
        "by": "By", "outcome": "Outcome",
        "current": "current", "superseded": "superseded", "lostConflict": "lost a conflict", "record": "Record",
        "laptopsNote":
            "Last sync: the last round the server answered. Unsynced: the laptop's changes the server still lacked after it (a laptop knows its own count now: fieldbook status). App: the fieldbook version the laptop last synced with (unknown: it never said). Schema: the data schema version the laptop syncs with.",
    ]

    static let chinese: [String: String] = [
        "title": "Fieldbook 办公室控制台", "overview": "总览", "conflicts": "冲突", "laptops": "笔记本与令牌",
        "audit": "审计日志", "exports": "导出", "signIn": "登录", "signOut": "退出", "name": "姓名", "password": "密码",
        "programme": "项目", "city": "城市", "cohort": "班级", "cohorts": "班级", "participants": "学员", "events": "课程",
        "rate": "出勤率", "below": "低于门槛", "threshold": "门槛", "openConflicts": "未解决的冲突",
        "quarantined": "隔离的更改", "staleLaptops": "7 天未同步的笔记本", "participant": "学员", "trn": "教师编号",
        "school": "学校", "event": "课程", "kind": "类型", "starts": "开始时间（上海）", "localTime": "当地时间",
        "venue": "地点", "status": "状态", "remark": "备注", "notes": "笔记", "author": "作者", "written": "写入时间",
        "value": "值", "winner": "当前版本", "loser": "并发版本", "keep": "保留这个", "cell": "记录",
        "noConflicts": "没有未解决的冲突。", "laptop": "笔记本", "lastChange": "最近收到的更改", "changesHeld": "已收到的更改",
        "tokens": "令牌", "issued": "签发", "revoked": "已吊销", "scope": "范围", "revoke": "吊销", "issue": "签发令牌",
        "allCohorts": "所有班级（办公室）", "release": "释放隔离的更改", "time": "时间", "user": "用户", "action": "操作",
        "detail": "详情", "attendanceCSV": "出勤（CSV）", "attendanceXLSX": "出勤（Excel）", "notesCSV": "笔记（CSV）",
        "history": "出勤记录", "save": "保存", "unmarked": "未记录",
        "legend": "P 出席 · L 迟到 · A 缺席 · E 请假 · – 未记录", "shownOnce": "请立即复制此令牌：它只显示一次。",
        "viewerNote": "您可以查看；修改需要管理员。", "error": "出错了", "back": "返回总览", "signedInAs": "当前用户",
        "never": "从未",
        "flagged": "低于门槛", "email": "电子邮件", "module": "模块",
        "token": "令牌", "lastSync": "最近同步", "schema": "数据版本", "unsynced": "未同步", "clock": "时钟", "app": "应用版本",
        "unknown": "未知",
        "changeHistory": "更改记录", "column": "字段", "by": "作者", "outcome": "结果", "current": "当前",
        "superseded": "已被覆盖", "lostConflict": "冲突中落选", "record": "记录",
        "laptopsNote":
            "最近同步：服务器最近一次应答的同步。未同步：此后服务器仍缺少的该笔记本的更改（笔记本上的实时数字见 fieldbook status）。应用版本：笔记本最近一次同步时使用的 fieldbook 版本（未知：它从未发送）。数据版本：笔记本同步时使用的数据结构版本。",
    ]
}
