// libFuzzer target: roster CSV import (`CSVReader.records`, `Fieldbook.importParticipants`).
//
// Any text must parse or be refused with a `FieldbookError` naming a line; parsed records
// must survive a round trip through `CSVWriter` (what the exports write must read back
// as the same fields); an import must add exactly one participant per data row (rows of
// empty cells are skipped) or add nothing at all.
import Fieldbook
import FieldbookCore
import Foundation

nonisolated(unsafe) var replica: (fieldbook: Fieldbook, cohort: String)?

func freshReplica() -> (fieldbook: Fieldbook, cohort: String) {
    if let replica { return replica }
    let fieldbook = try! Fieldbook.create(
        at: ":memory:", name: "fuzz", replicaID: ReplicaID(Bytes16(high: 3, low: 4)))
    let cohort = try! fieldbook.addCohort(programme: "NPQH", name: "Fuzz", starts: nil)
    replica = (fieldbook, cohort.id.description)
    return replica!
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSVImport(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let records: [CSVReader.Record]
    do {
        records = try CSVReader.records(text)
    } catch {
        return 0
    }
    let fields = records.map(\.fields)
    let written = CSVWriter.text(fields)
    guard let reread = try? CSVReader.records(written).map(\.fields), reread == fields else {
        fatalError("CSV round trip changed the records: \(fields) → \(written.debugDescription)")
    }

    let (fieldbook, cohort) = freshReplica()
    let before = try! fieldbook.participants().count
    do {
        let added = try fieldbook.importParticipants(cohort: cohort, csv: text)
        replica = nil
        // A row of empty cells (a spreadsheet's blank line) is no participant.
        let rows = records.dropFirst().filter { record in
            record.fields.contains { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        }.count
        guard added.count == rows, try fieldbook.participants().count == before + added.count else {
            fatalError("an import of \(rows) rows added \(added.count)")
        }
    } catch let error as FieldbookError {
        guard try! fieldbook.participants().count == before else {
            fatalError("a refused import (\(error.message)) added participants")
        }
    } catch {
        fatalError("importParticipants threw something other than a FieldbookError: \(error)")
    }
    return 0
}
