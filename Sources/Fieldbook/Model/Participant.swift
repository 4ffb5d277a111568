import FieldbookCore

/// A teacher studying for an NPQ, in one cohort.
public struct Participant: Hashable, Sendable, Codable {
    /// The participant's row ID.
    public var id: RowID
    /// The cohort.
    public var cohortID: RowID
    /// Full name.
    public var name: String
    /// The 7-digit Teacher Reference Number, if known.
    public var trn: String?
    /// School.
    public var school: String?
    /// City.
    public var city: String?
    /// Email address.
    public var email: String?
}
