import Fieldbook

/// A sign-in sheet as one self-contained HTML page: inline CSS, no scripts, fonts or
/// images to fetch, so it opens and prints offline; laid out for A4 paper, with the table
/// head repeated on every printed page and no row split across pages.
enum SignInSheetPage {
    static func html(_ sheet: SignInSheet) -> String {
        let event = sheet.event
        let kind: String =
            switch event.kind {
            case .faceToFace: "Face-to-face session"
            case .webinar: "Webinar"
            case .induction: "Induction"
            }
        var details: [(String, HTML)] = [
            ("Programme", "\(sheet.programmeTitle) (\(sheet.cohort.programme))"),
            ("Cohort", "\(sheet.cohort.programme) \(sheet.cohort.name)"),
            ("Session", "\(kind)\(event.module.map { ", module \($0)" } ?? "")"),
            ("Date and time", "\(sheet.starts)"),
        ]
        if let venue = sheet.venue { details.append(("Venue", "\(venue.school), \(venue.city)")) }
        let rows = sheet.lines.enumerated().map { index, line -> HTML in
            let person = line.participant
            return """
                <tr><td class="n">\(index + 1)</td><td class="name">\(person.name)</td>\
                <td class="pinyin">\(line.pinyin ?? "")</td><td class="trn">\(person.trn ?? "")</td>\
                <td>\(person.school ?? "")</td><td class="sign"></td></tr>
                """
        }
        let page: HTML = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Sign-in sheet: \(event.title)</title>
            <style>
            @page { size: A4 portrait; margin: 14mm 12mm; }
            * { box-sizing: border-box; }
            body { font-family: "Helvetica Neue", Arial, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC",
                   "WenQuanYi Zen Hei", sans-serif; font-size: 10.5pt; color: #000; margin: 0 auto; max-width: 186mm; }
            h1 { font-size: 16pt; margin: 0 0 2mm; }
            dl { display: grid; grid-template-columns: max-content 1fr; gap: 1mm 4mm; margin: 0 0 4mm; }
            dt { font-weight: bold; }
            dd { margin: 0; }
            table { width: 100%; border-collapse: collapse; }
            thead { display: table-header-group; }
            tr { page-break-inside: avoid; break-inside: avoid; }
            th, td { border: 0.3mm solid #000; padding: 1.5mm 2mm; text-align: left; vertical-align: middle; }
            th { background: #eee; font-size: 9pt; }
            td { height: 11mm; }
            td.n { width: 8mm; text-align: right; }
            td.trn { width: 20mm; font-variant-numeric: tabular-nums; }
            td.pinyin, td.trn { white-space: nowrap; }
            td.sign { width: 45mm; }
            .count { margin-top: 3mm; font-size: 9pt; }
            @media print { th { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
            </style>
            </head>
            <body>
            <h1>Sign-in sheet: \(event.title)</h1>
            <dl>
            \(HTML(joining: details.map { label, value -> HTML in "<dt>\(label)</dt><dd>\(value)</dd>" }))
            </dl>
            <table>
            <thead><tr><th>#</th><th>Name 姓名</th><th>Pinyin 拼音</th><th>TRN 教师参考号</th><th>School 学校</th>\
            <th>Signature 签名</th></tr></thead>
            <tbody>
            \(HTML(joining: rows))
            </tbody>
            </table>
            <p class="count">\(sheet.lines.count) participants. Printed from the Fieldbook replica; \
            IDs: event \(event.id.short), cohort \(sheet.cohort.id.short).</p>
            </body>
            </html>

            """
        return page.description
    }
}
