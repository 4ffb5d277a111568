import FieldbookCore

/// What a delete removed: the row, and what went with it (a cohort's participants and
/// events, an event's marks, the notes about them). Every removal is a tombstone that
/// replicates like any other write.
public struct Deletion: Hashable, Sendable, Codable {
    /// "cohort", "venue", "participant" or "event".
    public var kind: String
    /// The deleted row's ID.
    public var id: RowID
    /// The row as people know it: "NPQH Spring 2024", "Li Wei (TRN 1234567)".
    public var label: String
    /// Participants deleted with it (a cohort's).
    public var participants = 0
    /// Events deleted with it (a cohort's).
    public var events = 0
    /// Attendance marks deleted with it.
    public var marks = 0
    /// Notes deleted with it.
    public var notes = 0

    /// Whether anything besides the row itself goes.
    public var takesMore: Bool { participants + events + marks + notes > 0 }

    /// "43 participants, 4 events, 57 attendance marks and 3 notes", or "nothing else".
    public var consequences: String {
        let parts = [
            (participants, "participant"), (events, "event"), (marks, "attendance mark"), (notes, "note"),
        ].filter { $0.0 > 0 }.map { "\($0.0) \($0.1)\($0.0 == 1 ? "" : "s")" }
        switch parts.count {
        case 0: return "nothing else"
        case 1: return parts[0]
        default: return parts.dropLast().joined(separator: ", ") + " and " + parts.last!
        }
    }
}
