import FieldbookCore

/// Attendance per participant over the sessions held so far, as the office reads it.
///
/// The rate is (present + late) / (present + late + absent), as in the office console:
/// an excused absence does not count against a participant, and a session nobody marked
/// them for says nothing either way (it is counted as `unmarked`, to be chased).
public struct AttendanceReport: Sendable, Codable {
    /// One participant's line.
    public struct Line: Sendable, Codable, Hashable {
        public var programme: String
        public var cohortID: RowID
        public var cohort: String
        public var participantID: RowID
        public var participant: String
        public var trn: String?
        public var school: String?
        public var city: String?
        /// Sessions of the cohort that have started by the report's time.
        public var held: Int
        public var present: Int
        public var late: Int
        public var absent: Int
        public var excused: Int
        public var unmarked: Int
        /// Percent, rounded to one decimal; nil when no session counts yet.
        public var rate: Double?
        /// Whether the rate is below the programme's threshold; nil when none is set.
        public var belowThreshold: Bool?
    }

    /// The threshold of one programme, percent, and where it comes from.
    public struct Threshold: Sendable, Codable, Hashable {
        public var programme: String
        public var percent: Int
        /// `office` (set in the office console) or `option` (`--threshold`).
        public var source: String
    }

    /// When the report was made (UTC ISO 8601): sessions starting later are not yet held.
    public var asOf: String
    public var lines: [Line]
    /// The thresholds that applied, by programme; a programme without one has none set.
    public var thresholds: [Threshold]
    /// Programmes in the report without a threshold.
    public var programmesWithoutThreshold: [String]
}

/// Who did not attend a session: absent, excused or not marked.
public struct MissedReport: Sendable, Codable {
    public var event: Event
    public var cohort: String
    /// The participants who missed it, by name.
    public var lines: [RegisterLine]
    /// How many participants the cohort has.
    public var participants: Int
}
