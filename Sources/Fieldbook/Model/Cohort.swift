import FieldbookCore

/// A cohort: one programme's intake (e.g. NPQH "Spring 2024"), and one partition.
public struct Cohort: Hashable, Sendable, Codable {
    /// The cohort's row ID, which is also its partition's ID.
    public var id: RowID
    /// The programme code, e.g. `NPQH`.
    public var programme: String
    /// The cohort's name, e.g. `Spring 2024`.
    public var name: String
    /// The start date, `YYYY-MM-DD`, if known.
    public var starts: String?

    /// The partition holding the cohort's data.
    public var partition: PartitionID { PartitionID(cohort: id) }
}

/// A host school where face-to-face sessions take place.
public struct Venue: Hashable, Sendable, Codable {
    /// The venue's row ID.
    public var id: RowID
    /// The city, e.g. `Shenzhen`.
    public var city: String
    /// The host school.
    public var school: String
}
