import Fieldbook
import FieldbookCore
import FieldbookStore
import FieldbookTestSupport
import Foundation
import Testing

struct ExportTests {
    static func term() throws -> (Fieldbook, NPQFixture.Roster) {
        let office = try NPQFixture.replica(1)
        return (office, try NPQFixture.roster(on: office, cohorts: 2, participants: 2, events: 2))
    }

    /// Note bodies typed on Windows or pasted from email hold CRLF line breaks, commas and quotes.
    @Test(arguments: ["line one\r\nline two", "line one\nline two", "a, \"quoted\" word", "trailing\r", "a\r\n\r\nb"])
    func notesCSVKeepsEveryBodyIntact(body: String) throws {
        let (office, roster) = try Self.term()
        _ = try office.addNote(body, participant: roster.participants[0].id.description)
        let text = try office.exportNotes(format: .csv)
        let records = try CSVReader.records(text)
        #expect(records.count == 2, "\(text.debugDescription)")
        let header = try #require(records.first?.fields)
        let bodyIndex = try #require(header.firstIndex(of: "body"))
        let last = try #require(records.last?.fields)
        try #require(last.count == header.count, "\(text.debugDescription)")
        // Validation trims the ends of the text; what is kept must come back exactly.
        #expect(last[bodyIndex] == body.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func attendanceCSVQuotesFieldsThatNeedIt() throws {
        let (office, roster) = try Self.term()
        let participant = try office.addParticipant(
            cohort: roster.cohorts[0].id.description, .init(name: "Chen, Jie \"CJ\""))
        let event = try #require(roster.events.first { $0.cohortID == roster.cohorts[0].id })
        try office.attend(
            event: event.id.description, participant: participant.id.description, status: "late",
            remark: "train, then bus\r\nfrom Pudong")
        let records = try CSVReader.records(try office.exportAttendance(format: .csv, includeUnmarked: false))
        #expect(records.count == 2)
        let header = try #require(records.first?.fields)
        let row = try #require(records.last?.fields)
        #expect(row.contains("Chen, Jie \"CJ\""))
        #expect(row[try #require(header.firstIndex(of: "remark"))] == "train, then bus\r\nfrom Pudong")
        #expect(header.last == "open_conflict" && row.last == "")
    }

    @Test func exportsAreOrderedByCohortEventAndName() throws {
        let (office, roster) = try Self.term()
        for event in roster.events.reversed() {
            for participant in roster.participants.reversed() where participant.cohortID == event.cohortID {
                try office.attend(
                    event: event.id.description, participant: participant.id.description, status: "present",
                    remark: nil)
            }
        }
        let rows = try office.attendanceExport()
        #expect(rows.count == 8)
        let keys = rows.map { "\($0.cohort)|\($0.starts)|\($0.participant)" }
        #expect(keys == keys.sorted(), "cohort name, event start, participant name")
        let json = try office.exportAttendance(format: .json)
        let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]]
        #expect(decoded?.count == 8)
        let fields = Set(decoded?.first?.keys.map { $0 } ?? [])
        #expect(
            fields.isSuperset(of: [
                "cohort", "cohort_id", "event", "event_id", "kind", "participant", "participant_id", "programme",
                "starts", "status", "zone",
            ]), "\(fields)")
    }

    @Test func withdrawnMarksDeletedNotesAndDeletedParticipantsAreNotExported() throws {
        let (office, roster) = try Self.term()
        let event = roster.events[0]
        let people = roster.participants.filter { $0.cohortID == event.cohortID }
        for person in people {
            try office.attend(
                event: event.id.description, participant: person.id.description, status: "present", remark: nil)
        }
        let note = try office.addNote("to delete", event: event.id.description)
        _ = try office.deleteNote(note.id.description)
        try office.store.write { tx in
            _ = try tx.delete(
                table: NPQSchema.Table.participants, key: RowKey(people[0].id),
                partition: PartitionID(cohort: event.cohortID))
        }
        #expect(try office.attendanceExport(includeUnmarked: false).map(\.participantID) == [people[1].id])
        #expect(
            try office.exportNotes(format: .csv)
                == "\u{FEFF}id,cohort_id,cohort,event_id,event,event_starts,participant_id,participant,trn,author,created,body\r\n"
        )
        #expect(
            !(try office.attendanceExport().map(\.participantID).contains(people[0].id)),
            "deleted people are not listed")
    }
}
