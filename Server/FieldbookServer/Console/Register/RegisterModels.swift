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

    /// Whether the rate is below `threshold` percent (never before any counted mark).
    ///
    /// In integers, so the grid's flags and the overview's count (computed in SQL by the
    /// same rule) always agree, with no rounding at the boundary.
    public func isBelow(_ threshold: Int) -> Bool {
        counted > 0 && (present + late) * 100 < threshold * counted
    }
}

/// A cohort on the overview.
public struct CohortSummary: Sendable, Hashable {
    public var id: RowID
    public var name: String
    public var programme: String
    public var programmeTitle: String
    /// Where its sessions take place (the venues' cities, in the order of their first
    /// session), else, for a cohort with no venue yet, its participants' most common city.
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
    /// The cohort, its totals counted from this grid's marks.
    public var cohort: CohortSummary
    /// The columns, by start.
    public var events: [EventRow]
    /// The rows, by name, each with their own tally.
    public var participants: [ParticipantRow]
    /// Each participant's marks, one per event column: `marks[row][column]`.
    public var marks: [[GridMark]]

    /// The status of a participant at an event, `nil` when unmarked or not in the grid.
    public func status(event: RowID, participant: RowID) -> String? {
        guard let row = participants.firstIndex(where: { $0.id == participant }),
            let column = events.firstIndex(where: { $0.id == event })
        else { return nil }
        return marks[row][column].status
    }
}

/// One cell of the cohort grid.
public enum GridMark: UInt8, Sendable, Hashable, CaseIterable {
    case unmarked, present, late, absent, excused

    /// The stored status, `nil` for unmarked.
    public var status: String? {
        switch self {
        case .unmarked: nil
        case .present: "present"
        case .late: "late"
        case .absent: "absent"
        case .excused: "excused"
        }
    }

    /// The mark whose status starts with `letter` (`p`, `l`, `a`, `e`); `nil` for any
    /// other.
    init?(statusLetter letter: UInt8) {
        switch letter {
        case UInt8(ascii: "p"): self = .present
        case UInt8(ascii: "l"): self = .late
        case UInt8(ascii: "a"): self = .absent
        case UInt8(ascii: "e"): self = .excused
        default: return nil
        }
    }

    /// The marks of one event from packed items: each a participant's 16-byte ID and the
    /// first letter of the status, as PostgreSQL aggregates them in one `bytea` per event
    /// (no row per mark on the wire). Items with an unknown status, and a trailing partial
    /// item, are left out.
    static func unpack(_ packed: [UInt8], column: Int) -> [GridMarkRow] {
        var rows: [GridMarkRow] = []
        rows.reserveCapacity(packed.count / 17)
        var start = packed.startIndex
        while packed.endIndex - start >= 17 {
            if let mark = GridMark(statusLetter: packed[start + 16]),
                let participant = Bytes16(bytes: packed[start..<start + 16])
            {
                rows.append(GridMarkRow(column: column, participant: RowID(participant), mark: mark))
            }
            start += 17
        }
        return rows
    }
}

/// One mark of the cohort grid: the event's place among the grid's columns, the
/// participant, the mark.
public struct GridMarkRow: Hashable, Sendable {
    public var column: Int
    public var participant: RowID
    public var mark: GridMark

    public init(column: Int, participant: RowID, mark: GridMark) {
        self.column = column
        self.participant = participant
        self.mark = mark
    }
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
