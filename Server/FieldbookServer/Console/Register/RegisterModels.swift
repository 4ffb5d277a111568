import FieldbookCore

/// Attendance marks counted the way the console reports them.
///
/// The rate is (present + late) / (present + late + absent): an excused absence does not
/// count against a participant, and an unmarked event is not counted until it is marked.
public struct AttendanceTally: Sendable, Hashable {
    public var present = 0
    public var late = 0
    public var absent = 0
    public var excused = 0

    /// Adds `count` marks of `status`.
    public mutating func add(_ status: String, count: Int = 1) {
        switch status {
        case "present": present += count
        case "late": late += count
        case "absent": absent += count
        case "excused": excused += count
        default: break
        }
    }

    /// Marks that count towards the rate.
    public var counted: Int { present + late + absent }

    /// The attendance rate from 0 to 1, `nil` before any counted mark.
    public var rate: Double? { counted == 0 ? nil : Double(present + late) / Double(counted) }
}

/// A cohort on the overview.
public struct CohortSummary: Sendable, Hashable {
    public var id: RowID
    public var name: String
    public var programme: String
    public var programmeTitle: String
    /// Where its face-to-face sessions mostly take place, else its participants' city.
    public var city: String?
    public var participants: Int
    public var events: Int
    public var tally: AttendanceTally
    /// Participants whose own rate is below the programme's threshold.
    public var belowThreshold: Int
    /// The programme's threshold, percent.
    public var threshold: Int
}

/// A cohort's participants × events grid.
public struct CohortGrid: Sendable {
    public var cohort: CohortSummary
    public var events: [EventRow]
    public var participants: [ParticipantRow]
    /// Status by (event, participant); absent for unmarked.
    public var marks: [RowKey: String]
}

/// An event as the console lists it.
public struct EventRow: Sendable, Hashable {
    public var id: RowID
    public var cohortID: RowID
    public var title: String
    public var kind: String
    public var module: Int?
    /// Local start `YYYY-MM-DDTHH:MM` in ``zone``.
    public var starts: String
    public var zone: String
    /// The start in UTC, ISO 8601.
    public var startsUTC: String
    public var venueSchool: String?
    public var venueCity: String?
}

/// A participant as the console lists it, with their own tally in the context shown.
public struct ParticipantRow: Sendable, Hashable {
    public var id: RowID
    public var cohortID: RowID
    public var name: String
    public var trn: String?
    public var school: String?
    public var city: String?
    public var email: String?
    public var tally = AttendanceTally()
}

/// One line of an event's register.
public struct RegisterEntry: Sendable, Hashable {
    public var participant: ParticipantRow
    /// `present`, `late`, `absent`, `excused`, or `nil` when unmarked.
    public var status: String?
    public var remark: String?
}

/// A note as the console shows it.
public struct NoteRow: Sendable, Hashable {
    public var id: RowID
    public var author: String
    public var body: String
    /// UTC ISO 8601.
    public var created: String
    public var eventTitle: String?
    public var participantName: String?
}
