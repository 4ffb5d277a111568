import CZlib

/// A minimal, valid XLSX workbook with one sheet of text cells: five XML parts in a ZIP
/// archive of stored (uncompressed) entries, which every reader accepts.
///
/// Cells are inline strings, so no shared-string table is needed, and no number is
/// reinterpreted (a TRN keeps its leading zeros).
enum XLSXWriter {
    /// The workbook's bytes.
    static func workbook(sheetName: String, rows: [[String]]) -> [UInt8] {
        var archive = ZipArchive()
        archive.add("[Content_Types].xml", contentTypes)
        archive.add("_rels/.rels", rootRelationships)
        archive.add("xl/workbook.xml", workbookXML(sheetName: sheetName))
        archive.add("xl/_rels/workbook.xml.rels", workbookRelationships)
        archive.add("xl/worksheets/sheet1.xml", sheetXML(rows))
        return archive.finish()
    }

    static let header = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let relationships = "http://schemas.openxmlformats.org/package/2006/relationships"
    static let officeRelationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    static let contentTypes =
        header + """
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Default Extension="xml" ContentType="application/xml"/>\
            <Override PartName="/xl/workbook.xml" \
            ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
            <Override PartName="/xl/worksheets/sheet1.xml" \
            ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
            </Types>
            """

    static let rootRelationships =
        header + """
            <Relationships xmlns="\(relationships)"><Relationship Id="rId1" \
            Type="\(officeRelationships)/officeDocument" Target="xl/workbook.xml"/></Relationships>
            """

    static let workbookRelationships =
        header + """
            <Relationships xmlns="\(relationships)"><Relationship Id="rId1" \
            Type="\(officeRelationships)/worksheet" Target="worksheets/sheet1.xml"/></Relationships>
            """

    static func workbookXML(sheetName: String) -> String {
        header + """
            <workbook xmlns="\(main)" xmlns:r="\(officeRelationships)"><sheets>\
            <sheet name="\(escape(sheetName))" sheetId="1" r:id="rId1"/></sheets></workbook>
            """
    }

    static func sheetXML(_ rows: [[String]]) -> String {
        var xml = header + "<worksheet xmlns=\"\(main)\"><sheetData>"
        for (index, row) in rows.enumerated() {
            xml += "<row r=\"\(index + 1)\">"
            for (column, value) in row.enumerated() where !value.isEmpty {
                xml += "<c r=\"\(columnName(column))\(index + 1)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">"
                xml += escape(value) + "</t></is></c>"
            }
            xml += "</row>"
        }
        return xml + "</sheetData></worksheet>"
    }

    /// `A`, `B`, … `Z`, `AA`, …
    static func columnName(_ index: Int) -> String {
        var index = index + 1
        var name = ""
        while index > 0 {
            let remainder = (index - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + remainder))) + name
            index = (index - 1) / 26
        }
        return name
    }

    /// XML text: the five special characters escaped, and control characters that XML
    /// 1.0 forbids dropped.
    static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default: if scalar.value >= 0x20 { result.unicodeScalars.append(scalar) }
            }
        }
        return result
    }
}

/// A ZIP archive of stored entries (APPNOTE 6.3: local headers, central directory, end record).
struct ZipArchive {
    private var data: [UInt8] = []
    private var directory: [UInt8] = []
    private var count = 0

    mutating func add(_ name: String, _ text: String) {
        let content = Array(text.utf8)
        let name = Array(name.utf8)
        let crc = content.withUnsafeBufferPointer {
            UInt32(truncatingIfNeeded: crc32(0, $0.baseAddress, uInt($0.count)))
        }
        let offset = UInt32(data.count)
        // Fields shared by the local header and the central directory entry: version
        // needed, flags (bit 11: UTF-8 names), method 0 (stored), DOS time and date
        // (1980-01-01 00:00, so the same data gives the same bytes), CRC and sizes.
        var common: [UInt8] = []
        common.append16(20)
        common.append16(0x0800)
        common.append16(0)
        common.append16(0)
        common.append16(0x21)
        common.append32(crc)
        common.append32(UInt32(content.count))
        common.append32(UInt32(content.count))
        common.append16(UInt16(name.count))
        common.append16(0)
        data.append32(0x0403_4B50)
        data += common + name + content
        directory.append32(0x0201_4B50)
        directory.append16(20)
        directory += common
        directory += [UInt8](repeating: 0, count: 10)  // comment length, disk, internal and external attributes
        directory.append32(offset)
        directory += name
        count += 1
    }

    func finish() -> [UInt8] {
        var end: [UInt8] = []
        end.append32(0x0605_4B50)
        end.append16(0)
        end.append16(0)
        end.append16(UInt16(count))
        end.append16(UInt16(count))
        end.append32(UInt32(directory.count))
        end.append32(UInt32(data.count))
        end.append16(0)
        return data + directory + end
    }
}

extension [UInt8] {
    fileprivate mutating func append16(_ value: UInt16) {
        append(UInt8(value & 0xFF))
        append(UInt8(value >> 8))
    }

    fileprivate mutating func append32(_ value: UInt32) {
        append16(UInt16(value & 0xFFFF))
        append16(UInt16(value >> 16))
    }
}
