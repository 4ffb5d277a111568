import FieldbookCore

/// A session of a cohort: induction, face-to-face at a host school, or webinar.
public struct Event: Hashable, Sendable, Codable {
    /// The event's row ID.
    public var id: RowID
    /// The cohort.
    public var cohortID: RowID
    /// What kind of session.
    public var kind: EventKind
    /// The title, e.g. `Module 1: Leading change`.
    public var title: String
    /// The module number, if the session belongs to one.
    public var module: Int?
    /// Local start time, `YYYY-MM-DDTHH:MM`, in ``zone``.
    public var starts: String
    /// IANA time zone of ``starts``, `Asia/Shanghai` by default.
    public var zone: String
    /// The start in UTC, ISO 8601, for sorting across zones.
    public var startsUTC: String
    /// The host school, for face-to-face sessions.
    public var venueID: RowID?
}

/// The kinds of NPQ session.
public enum EventKind: String, Hashable, Sendable, Codable, CaseIterable {
    case induction
    case faceToFace = "face-to-face"
    case webinar
}

/// Attendance at one event.
public enum AttendanceStatus: String, Hashable, Sendable, Codable, CaseIterable {
    case present, late, absent, excused
}

/// One line of an event's register: a participant and their mark.
public struct RegisterLine: Hashable, Sendable, Codable {
    /// The participant.
    public var participant: Participant
    /// `present`, `late`, `absent`, `excused`, or `unmarked`.
    public var status: String
    /// The facilitator's remark, if any.
    public var remark: String?
    /// Whether the mark has an open conflict: someone marked it differently at the same
    /// time, and the other version waits in the ledger (`fieldbook conflicts`).
    public var openConflict = false
}

/// A note: free text, optionally about an event and/or a participant.
public struct Note: Hashable, Sendable, Codable {
    /// The note's row ID.
    public var id: RowID
    /// The cohort the note belongs to.
    public var cohortID: RowID
    /// The event it is about, if any.
    public var eventID: RowID?
    /// The participant it is about, if any.
    public var participantID: RowID?
    /// Who wrote it (the replica's name).
    public var author: String
    /// The text.
    public var body: String
    /// When it was first written, UTC ISO 8601.
    public var created: String
}
