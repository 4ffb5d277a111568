import Fieldbook
import FieldbookCore
import FieldbookStore
import Foundation
import GRDB

/// A seeded random workload over the NPQ facade: what facilitators and the office do
/// on their replicas between syncs.
///
/// Every step reads the replica's own current state (its cohorts, participants, events,
/// notes and open conflicts) and makes one domain write on it: marking and re-marking
/// attendance, adding participants, editing a participant's details, adding, editing and
/// deleting notes, withdrawing a mark, and resolving conflicts. Values come from small
/// pools so that replicas collide on the same cells.
public struct NPQWorkload {
    /// The generator; its state is the whole workload's state.
    public var random: SeededRandom

    /// A workload whose every choice follows from `seed`.
    public init(seed: UInt64) {
        random = SeededRandom(seed: seed)
    }

    static let remarks = ["arrived 09:20", "train delay", "left early", "007", "1e3"]
    static let names = ["Li Wei", "Wang Fang", "Zhang Min", "Chen Jie", "Liu Yang", "Huang Lei"]
    static let schools = ["Shanghai No. 3", "Shenzhen Bay", "Chengdu Foreign Languages", "Yantai No. 1"]
    static let bodies = ["needs module 2 reading", "great discussion", "follow up on assessment", "0042"]

    /// Makes one random write on `fieldbook`.
    ///
    /// - Returns: a short description of what was done (or tried), for failure messages.
    @discardableResult
    public mutating func step(on fieldbook: Fieldbook) throws -> String {
        let events = try fieldbook.events()
        let participants = try fieldbook.participants()
        let roll = Int.random(in: 0..<100, using: &random)
        switch roll {
        case 0..<45:
            guard let event = events.randomElement(using: &random) else { return "no event" }
            let candidates = participants.filter { $0.cohortID == event.cohortID }
            guard let participant = candidates.randomElement(using: &random) else { return "no participant" }
            let status = AttendanceStatus.allCases.randomElement(using: &random)!.rawValue
            let remark = random.next() % 3 == 0 ? Self.remarks.randomElement(using: &random)! : nil
            try fieldbook.attend(
                event: event.id.description, participant: participant.id.description, status: status, remark: remark)
            return "attend \(event.id.short) \(participant.id.short) \(status) \(remark ?? "-")"
        case 45..<52:
            guard let cohort = try fieldbook.cohorts().randomElement(using: &random) else { return "no cohort" }
            let name = Self.names.randomElement(using: &random)!
            let participant = try fieldbook.addParticipant(
                cohort: cohort.id.description,
                .init(name: name, school: Self.schools.randomElement(using: &random)!))
            return "add participant \(participant.id.short)"
        case 52..<60:
            guard let participant = participants.randomElement(using: &random) else { return "no participant" }
            let column = random.next() % 2 == 0 ? "school" : "name"
            let value =
                column == "school"
                ? Self.schools.randomElement(using: &random)! : Self.names.randomElement(using: &random)!
            _ = try fieldbook.store.write { tx in
                try tx.set(
                    table: NPQSchema.Table.participants, key: RowKey(participant.id),
                    partition: PartitionID(cohort: participant.cohortID), columns: [(column, .text(value))])
            }
            return "edit participant \(participant.id.short) \(column)=\(value)"
        case 60..<72:
            let body = Self.bodies.randomElement(using: &random)!
            if let event = events.randomElement(using: &random), random.next() % 2 == 0 {
                let note = try fieldbook.addNote(body, event: event.id.description)
                return "add note \(note.id.short)"
            }
            guard let participant = participants.randomElement(using: &random) else { return "no participant" }
            let note = try fieldbook.addNote(body, participant: participant.id.description)
            return "add note \(note.id.short)"
        case 72..<84:
            guard let note = try fieldbook.notes().randomElement(using: &random) else { return "no note" }
            let body = Self.bodies.randomElement(using: &random)! + " (edited)"
            _ = try fieldbook.editNote(note.id.description, text: body)
            return "edit note \(note.id.short)"
        case 84..<89:
            guard let note = try fieldbook.notes().randomElement(using: &random) else { return "no note" }
            _ = try fieldbook.deleteNote(note.id.description)
            return "delete note \(note.id.short)"
        case 89..<93:
            let marks = try fieldbook.store.read { db in
                try Row.fetchAll(db, sql: "SELECT event_id, participant_id FROM attendance WHERE deleted = 0")
            }
            guard let mark = marks.randomElement(using: &random),
                let event = mark.rowIDValue("event_id"), let participant = mark.rowIDValue("participant_id"),
                let partition = participants.first(where: { $0.id == participant }).map({
                    PartitionID(cohort: $0.cohortID)
                })
            else { return "no mark" }
            _ = try fieldbook.store.write { tx in
                try tx.delete(table: NPQSchema.Table.attendance, key: RowKey(event, participant), partition: partition)
            }
            return "withdraw mark \(event.short) \(participant.short)"
        default:
            let open = try fieldbook.conflicts()
            guard let conflict = open.randomElement(using: &random) else { return "no conflict" }
            let keep = random.next() % 2 == 0 ? "winner" : "loser"
            _ = try fieldbook.resolveConflict(conflict.id.description, keep: keep)
            return "resolve \(conflict.id.short) keep \(keep)"
        }
    }
}

extension Row {
    /// A row ID stored as a 16-byte blob.
    public func rowIDValue(_ column: String) -> RowID? {
        (self[column] as Data?).flatMap { Bytes16(data: $0) }.map(RowID.init)
    }
}
