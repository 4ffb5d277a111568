import FieldbookCore
import FieldbookStore
import Foundation
import GRDB

/// Checks the promise "nothing is lost": every write made anywhere either still wins
/// its cell, or sits in the conflict ledger with its exact value, or was overwritten by
/// someone who had seen it.
///
/// Record each local write as it is made (the changes `tx.set` returns, or the new
/// changes of the writer's own streams); after the replicas converge, ``problems(in:)``
/// lists every write that vanished.
///
/// A write is accounted for when
/// - it is the cell's current winner, with the same value; or
/// - the ledger holds an entry for it (same cell and stamp) with the same value; or
/// - a later write names it as `previous` (its author saw it and chose to replace it); or
/// - a later write of the same value is itself accounted for (equal values are never a
///   conflict, because nothing is lost when one of them wins).
public struct WriteAudit: Sendable {
    /// The writes recorded so far (ledger writes excluded: the ledger is checked by the
    /// entries it must hold, not as data).
    public private(set) var writes: [Change] = []

    public init() {}

    /// Records writes as they are made.
    public mutating func record(_ changes: some Sequence<Change>) {
        writes += changes.filter { $0.table != ConflictEntry.table }
    }

    /// Every write that is not accounted for on `store`, described for a failure message.
    public func problems(in store: ReplicaStore) throws -> [String] {
        let ledger = try store.read { db in
            var entries: [RowID: Value] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT id, \(ConflictEntry.Column.value) AS value FROM \(ConflictEntry.table)")
            {
                guard let data = row["id"] as Data?, let raw = Bytes16(data: data) else { continue }
                entries[RowID(raw)] = Value(row["value"] as DatabaseValue)
            }
            return entries
        }
        var problems: [String] = []
        for (cell, cellWrites) in Dictionary(grouping: writes, by: \.cell) {
            let winner = try store.version(of: cell)
            let overwritten = Set(cellWrites.compactMap(\.previous))
            var accounted: [Change] = []
            for write in cellWrites.sorted(by: { $0.stamp > $1.stamp }) {
                var ok = false
                if winner?.stamp == write.stamp {
                    ok = winner?.value == write.value
                    if !ok { problems.append("\(write): wins \(cell.table).\(cell.column) but reads \(winner!.value)") }
                } else if let entry = ledger[ConflictEntry.key(cell: cell, loser: write.stamp).first] {
                    ok = entry == write.value
                    if !ok {
                        problems.append(
                            "\(write): ledger holds \(entry) (\(entry.kind)) instead of \(write.value.kind)")
                    }
                } else if overwritten.contains(write.stamp) {
                    ok = true
                } else if accounted.contains(where: { $0.value == write.value }) {
                    ok = true
                } else {
                    problems.append(
                        "\(write): lost (winner \(winner.map { "\($0.value) \($0.stamp)" } ?? "none"), not in the ledger)"
                    )
                }
                if ok { accounted.append(write) }
            }
        }
        return problems.sorted()
    }
}

extension Value {
    /// The storage class, for messages.
    public var kind: String {
        switch self {
        case .null: "null"
        case .integer(let value): "integer \(value)"
        case .real(let value): "real \(value)"
        case .text(let value): "text '\(value)'"
        case .blob: "blob"
        }
    }
}
