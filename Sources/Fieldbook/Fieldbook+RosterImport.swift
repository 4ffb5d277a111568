import FieldbookCore
import FieldbookStore
import Foundation
import GRDB

/// What a roster import did (or, checked, would do).
public struct RosterImport: Sendable, Codable {
    /// Participants added.
    public var added: [Participant]
    /// Known participants (matched by TRN) whose fields changed.
    public var updated: [Participant]
    /// Rows of known participants that changed nothing.
    public var unchanged: Int
    /// Headers ignored because they name no known column.
    public var ignoredColumns: [String]
    /// The encoding the file was read as, when it came from bytes.
    public var encoding: String?
    /// Whether this was a dry run (`--check`): nothing was written.
    public var checked: Bool
}

extension Fieldbook {
    /// Adds participants from CSV text with a header row (see ``importRoster(cohort:csv:update:check:)``).
    /// All or nothing.
    ///
    /// - Throws: `invalidInput` naming every bad row (``RosterProblems`` underneath); nothing is added.
    public func importParticipants(cohort reference: String, csv: String) throws -> [Participant] {
        try importRoster(cohort: reference, csv: csv).added
    }

    /// Imports a roster: CSV text with a header row naming `name` (or 姓名) and any of
    /// `trn`, `school`, `city`, `email` (or 教师参考号, 学校, 城市, 邮箱), in any order;
    /// other columns are ignored. All or nothing, in one transaction.
    ///
    /// - Parameters:
    ///   - update: a row whose TRN is already in the cohort updates that participant
    ///     (its non-empty cells), instead of being refused.
    ///   - check: work out and return what would happen, writing nothing.
    /// - Throws: `invalidInput` when any row is bad, its message naming the first or
    ///   counting them and a ``RosterProblems`` underneath listing every one.
    public func importRoster(cohort reference: String, csv: String, update: Bool = false, check: Bool = false)
        throws -> RosterImport
    {
        let records = try CSVReader.records(csv)
        let plan = { (db: Database) throws -> (Cohort, RosterPlan) in
            let cohort = try self.cohort(reference, in: db)
            let existing = try Row.fetchAll(
                db, sql: "SELECT * FROM participants WHERE deleted = 0 AND cohort_id = ? ORDER BY id",
                arguments: [cohort.id.rawValue.data]
            ).map(Self.participant)
            let plan = RosterPlan(
                records: records, existing: existing, update: update, cohort: "\(cohort.programme) \(cohort.name)")
            if let refusal = plan.refusal { throw refusal }
            return (cohort, plan)
        }
        if check {
            let (_, plan) = try store.read(plan)
            return RosterImport(
                added: plan.additions.map { addition in
                    let input = addition.participant
                    return Participant(
                        id: RowID(.zero), cohortID: RowID(.zero), name: input.name, trn: input.trn,
                        school: input.school, city: input.city, email: input.email)
                }, updated: plan.updates.map { Self.applying($0.changes, to: $0.participant) },
                unchanged: plan.unchanged.count, ignoredColumns: plan.ignoredColumns, checked: true)
        }
        return try write { tx in
            let (cohort, plan) = try plan(tx.database)
            let added = try plan.additions.map { try insertParticipant($0.participant, cohort: cohort, tx: tx) }
            let updated = try plan.updates.map { update in
                let participant = Self.applying(update.changes, to: update.participant)
                try tx.set(
                    table: NPQSchema.Table.participants, key: RowKey(participant.id), partition: cohort.partition,
                    columns: update.changes.sorted { $0.key.rawValue < $1.key.rawValue }.map {
                        ($0.key.rawValue, .text($0.value))
                    })
                return participant
            }
            return RosterImport(
                added: added, updated: updated, unchanged: plan.unchanged.count, ignoredColumns: plan.ignoredColumns,
                checked: false)
        }
    }

    static func applying(_ changes: [RosterColumn: String], to participant: Participant) -> Participant {
        var participant = participant
        for (column, value) in changes {
            switch column {
            case .name: participant.name = value
            case .trn: participant.trn = value
            case .school: participant.school = value
            case .city: participant.city = value
            case .email: participant.email = value
            }
        }
        return participant
    }
}

extension RosterPlan {
    /// The error refusing this plan, if it has problems: one problem is said in full on
    /// one line; several are counted, each listed in the error's details.
    var refusal: FieldbookError? {
        switch problems.count {
        case 0:
            return nil
        case 1:
            return FieldbookError(
                .invalidInput, "\(problems[0]); nothing was imported",
                underlying: RosterProblems(problems: []))
        default:
            let rows = Set(problems.map { $0.line ?? 0 }).count
            return FieldbookError(
                .invalidInput,
                "\(problems.count) problems in \(rows) row\(rows == 1 ? "" : "s"); nothing was imported. Fix them all and import again:",
                underlying: RosterProblems(problems: problems))
        }
    }
}
