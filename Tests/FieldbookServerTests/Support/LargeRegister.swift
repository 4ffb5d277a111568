import Fieldbook
import FieldbookCore
import Foundation

/// A cohort with `side` participants and `side` events, and a mark (status and remark:
/// two changes) for every pair: `2 × side²` changes in a handful of transactions.
struct LargeRegister: Sendable {
    let cohort: Cohort
    let events: [Event]
    let participants: [Participant]

    /// The side that gives about `changes` changes.
    static func side(forChanges changes: Int) -> Int { max(2, Int(Double(changes / 2).squareRoot())) }

    /// Writes the roster (cohort, participants, events) through the facade.
    static func roster(on fieldbook: Fieldbook, side: Int) throws -> LargeRegister {
        let cohort = try fieldbook.addCohort(programme: "NPQLT", name: "Large cohort", starts: "2024-02-18")
        let participants = try (0..<side).map { index in
            try fieldbook.addParticipant(
                cohort: cohort.id.description, .init(name: "Teacher \(index)", trn: "\(4_000_000 + index)"))
        }
        let events = try (0..<side).map { index in
            try fieldbook.addEvent(
                cohort: cohort.id.description,
                .init(
                    kind: "webinar", title: "Webinar \(index)",
                    starts: String(format: "2024-%02d-%02dT19:30", 3 + index / 28, 1 + index % 28)))
        }
        return LargeRegister(cohort: cohort, events: events, participants: participants)
    }

    /// Every attendance cell of the register.
    var cells: [RowKey] { events.flatMap { event in participants.map { RowKey(event.id, $0.id) } } }

    /// Marks every pair, as a facilitator importing a term's registers would (the facade's
    /// `attend` writes the same two cells, one transaction per mark).
    func markAll(on fieldbook: Fieldbook) throws {
        let statuses = ["present", "late", "absent", "excused"]
        let cells = cells
        for start in stride(from: 0, to: cells.count, by: 2_000) {
            try fieldbook.store.write { tx in
                for index in start..<min(start + 2_000, cells.count) {
                    try tx.set(
                        table: "attendance", key: cells[index], partition: cohort.partition,
                        columns: [("status", .text(statuses[index % 4])), ("remark", .text("r\(index)"))])
                }
            }
        }
    }

    /// Sets the status of some cells to `status`.
    func mark(_ cells: [RowKey], status: String, on fieldbook: Fieldbook) throws {
        try fieldbook.store.write { tx in
            for cell in cells {
                try tx.set(
                    table: "attendance", key: cell, partition: cohort.partition, columns: [("status", .text(status))])
            }
        }
    }
}
