import FieldbookCore

/// What a printed sign-in sheet for an event shows: the session, where and when it is,
/// and every participant of its cohort, sorted by name, with a box to sign.
public struct SignInSheet: Hashable, Sendable, Codable {
    /// The event.
    public var event: Event
    /// The event's cohort.
    public var cohort: Cohort
    /// The programme's full title ("National Professional Qualification for Headship").
    public var programmeTitle: String
    /// The host school, for a face-to-face session.
    public var venue: Venue?
    /// The start as people read it, with the weekday, in the event's zone (and in the
    /// replica's when that differs): `Sat 2024-03-02 09:00 Asia/Shanghai`.
    public var starts: String
    /// The participants, sorted by name (a Chinese name by its pinyin, so 李伟 sits by Li Wei).
    public var lines: [Line]

    /// One participant on the sheet.
    public struct Line: Hashable, Sendable, Codable {
        /// The participant.
        public var participant: Participant
        /// The pinyin of a name written in Chinese characters (`lǐ wěi`), to help read it aloud.
        public var pinyin: String?
    }
}
