import FieldbookCore
import Hummingbird
import NIOCore

/// Downloads: attendance and notes as CSV (for Excel) and XLSX, for all cohorts or one
/// (`?cohort=ID`).
struct ConsoleExportRoutes {
    let console: OfficeConsole

    func collection() -> RouteCollection<BasicRequestContext> {
        let routes = console.makeCollection()
        routes.get("/exports/:file") { request, context in
            _ = try await console.session(request)
            let cohort = try request.uri.queryParameters["cohort"].map { text -> RowID in
                guard let id = RowID(String(text)) else { throw ConsoleError(.badRequest, "no such cohort") }
                return id
            }
            switch context.parameters.get("file") ?? "" {
            case "attendance.csv":
                return download(SpreadsheetCSV.bytes(try await console.store.attendanceTable(cohort: cohort)), .csv)
            case "attendance.xlsx":
                let rows = try await console.store.attendanceTable(cohort: cohort)
                return download(XLSXWriter.workbook(sheetName: "Attendance", rows: rows), .xlsx, name: "attendance")
            case "notes.csv":
                return download(
                    SpreadsheetCSV.bytes(try await console.store.notesTable(cohort: cohort)), .csv, name: "notes")
            case "notes.xlsx":
                let rows = try await console.store.notesTable(cohort: cohort)
                return download(XLSXWriter.workbook(sheetName: "Notes", rows: rows), .xlsx, name: "notes")
            default:
                throw ConsoleError(.notFound, "no such export")
            }
        }
        return routes
    }

    enum Kind: String {
        case csv = "text/csv; charset=utf-8"
        case xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    }

    func download(_ bytes: [UInt8], _ kind: Kind, name: String = "attendance") -> Response {
        let file = "fieldbook-\(name).\(kind == .csv ? "csv" : "xlsx")"
        return Response(
            status: .ok,
            headers: [
                .contentType: kind.rawValue, .contentDisposition: "attachment; filename=\"\(file)\"",
                .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
