import FieldbookCore

/// One of the six National Professional Qualifications.
public struct Programme: Hashable, Sendable, Codable {
    /// The programme's row ID (derived from its code, the same on every replica).
    public var id: RowID
    /// `NPQH`, `NPQSL`, …
    public var code: String
    /// The full title.
    public var title: String

    /// The six NPQs, the reference data every replica starts with.
    public static let all: [Programme] = [
        ("NPQH", "National Professional Qualification for Headship"),
        ("NPQSL", "National Professional Qualification for Senior Leadership"),
        ("NPQLT", "National Professional Qualification for Leading Teaching"),
        ("NPQLTD", "National Professional Qualification for Leading Teacher Development"),
        ("NPQLBC", "National Professional Qualification for Leading Behaviour and Culture"),
        ("NPQLL", "National Professional Qualification for Leading Literacy"),
    ].map { Programme(id: RowID.derived(from: Array("programme:\($0.0)".utf8)), code: $0.0, title: $0.1) }

    /// The programme with this code, ignoring case.
    public static func named(_ code: String) -> Programme? {
        all.first { $0.code.lowercased() == code.lowercased() }
    }

    /// The programmes as genesis changes: identical on every replica (same origin,
    /// sequence and stamp), so they never conflict and never travel.
    public static var genesis: ChangeBatch {
        var changes: [Change] = []
        for programme in all {
            for (column, value) in [("code", programme.code), ("title", programme.title)] {
                let sequence = UInt64(changes.count + 1)
                changes.append(
                    Change(
                        partition: .shared, table: NPQSchema.Table.programmes, key: RowKey(programme.id),
                        column: column, value: .text(value),
                        stamp: Stamp(time: HLC(rawValue: sequence), origin: .genesis), sequence: sequence,
                        previous: nil))
            }
        }
        let stream = StreamID(partition: .shared, origin: .genesis)
        return ChangeBatch(
            changes: changes, ranges: [StreamRange(stream: stream, after: 0, through: UInt64(changes.count))])
    }
}
