import FieldbookCore

/// The body rows of the cohort grid, written straight into bytes.
///
/// The grid is the console's largest page (5,000 participants × 30 events is 150,000
/// cells, about 3.5 MB of HTML), and rendering its rows through the template library, one
/// context lookup per field, cost more than reading the marks. The rest of the page stays
/// in the `cohort` template; this writes only what its `{{#rows}}` section wrote, the same
/// markup, with the same escaping.
enum GridBodyHTML {
    /// One participant's row.
    struct Row {
        var id: RowID
        var name: String
        var rate: String
        var flagged: Bool
        var marks: [GridMark]
    }

    /// The `<tr>` of every row, in order; `cells` holds the markup of each mark, indexed
    /// by its raw value.
    static func rows(_ rows: [Row], cells: [String]) -> String {
        let cellBytes = cells.map { Array($0.utf8) }
        var html: [UInt8] = []
        html.reserveCapacity(rows.count * (160 + (rows.first?.marks.count ?? 0) * (cellBytes.first?.count ?? 24)))
        for row in rows {
            html +=
                row.flagged
                ? #"<tr class="flag"><td><a href="/participants/"#.utf8 : #"<tr><td><a href="/participants/"#.utf8
            html += row.id.description.utf8
            html += #"">"#.utf8
            appendEscaped(row.name, to: &html)
            html += #"</a></td><td class="num rate">"#.utf8
            appendEscaped(row.rate, to: &html)
            html += "</td>".utf8
            for mark in row.marks { html += cellBytes[Int(mark.rawValue)] }
            html += "</tr>\n".utf8
        }
        return String(decoding: html, as: UTF8.self)
    }

    /// `text` with the characters the template library escapes (`& < > " '`) as entities.
    static func appendEscaped(_ text: String, to html: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): html += "&amp;".utf8
            case UInt8(ascii: "<"): html += "&lt;".utf8
            case UInt8(ascii: ">"): html += "&gt;".utf8
            case UInt8(ascii: "\""): html += "&quot;".utf8
            case UInt8(ascii: "'"): html += "&#39;".utf8
            default: html.append(byte)
            }
        }
    }
}
