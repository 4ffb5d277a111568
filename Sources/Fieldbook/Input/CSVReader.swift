import FieldbookCore

/// Reads RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF), keeping the line
/// each record starts on so errors can name it.
///
/// Written here rather than taken from a CSV library because the import's promise is
/// an error that names the exact line of a bad row, including rows after quoted
/// fields that span lines.
public struct CSVReader {
    /// One record and the 1-based line it starts on.
    public struct Record: Sendable {
        public var line: Int
        public var fields: [String]
    }

    /// Parses the whole text.
    ///
    /// - Throws: `invalidInput` naming the line of an unterminated quote or a stray
    ///   character after a closing quote.
    public static func records(_ text: String) throws -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var afterQuote = false
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = scalars.next()
        if pending == "\u{FEFF}" { pending = scalars.next() }

        func endRecord() {
            fields.append(field)
            field = ""
            if !(fields.count == 1 && fields[0].isEmpty) {
                records.append(Record(line: recordLine, fields: fields))
            }
            fields = []
        }

        while let scalar = pending {
            pending = scalars.next()
            if inQuotes {
                if scalar == "\"" {
                    if pending == "\"" {
                        field.unicodeScalars.append("\"")
                        pending = scalars.next()
                    } else {
                        inQuotes = false
                        afterQuote = true
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case ",":
                fields.append(field)
                field = ""
                afterQuote = false
            case "\r" where pending == "\n":
                continue
            case "\n", "\r":
                endRecord()
                line += 1
                recordLine = line
                afterQuote = false
            case "\"" where field.isEmpty && !afterQuote:
                inQuotes = true
            default:
                guard !afterQuote else {
                    throw FieldbookError(.invalidInput, "line \(line): unexpected text after a closing quote")
                }
                field.unicodeScalars.append(scalar)
            }
        }
        guard !inQuotes else {
            throw FieldbookError(.invalidInput, "line \(recordLine): a quoted field is never closed")
        }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return records
    }
}
