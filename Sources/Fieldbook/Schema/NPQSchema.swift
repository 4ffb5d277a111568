import FieldbookCore

/// The replicated tables of the NPQ register.
///
/// Cohorts are partitions: a cohort's participants, events, attendance and notes live in
/// the cohort's partition, so a facilitator's device holds only its cohorts. Programmes
/// and venues are shared reference data. Each table declares how its rows' partition is
/// derived from the row (``FieldbookCore/PartitionRule``): every merging replica checks
/// it, so a change cannot reach a row outside the partition it claims.
public enum NPQSchema {
    /// Table names.
    public enum Table {
        public static let programmes = "programmes"
        public static let cohorts = "cohorts"
        public static let venues = "venues"
        public static let participants = "participants"
        public static let events = "events"
        public static let attendance = "attendance"
        public static let notes = "notes"
        public static let devices = "devices"
    }

    /// Version 1 of the schema.
    public static let current = ReplicatedSchema(
        version: 1,
        tables: [
            TableSchema(
                name: Table.programmes, keyColumns: ["id"],
                columns: [ColumnSchema("code", .text), ColumnSchema("title", .text)], partitionRule: .shared),
            TableSchema(
                name: Table.cohorts, keyColumns: ["id"],
                columns: [
                    ColumnSchema("programme_id", .blob), ColumnSchema("name", .text), ColumnSchema("starts", .text),
                ], partitionRule: .ownKey),
            TableSchema(
                name: Table.venues, keyColumns: ["id"],
                columns: [ColumnSchema("city", .text), ColumnSchema("school", .text)], partitionRule: .shared),
            TableSchema(
                name: Table.participants, keyColumns: ["id"],
                columns: [
                    ColumnSchema("cohort_id", .blob), ColumnSchema("name", .text), ColumnSchema("trn", .text),
                    ColumnSchema("school", .text), ColumnSchema("city", .text), ColumnSchema("email", .text),
                ],
                indexes: [["cohort_id"], ["trn"]], partitionRule: .column("cohort_id")),
            TableSchema(
                name: Table.events, keyColumns: ["id"],
                columns: [
                    ColumnSchema("cohort_id", .blob), ColumnSchema("kind", .text), ColumnSchema("title", .text),
                    ColumnSchema("module", .integer), ColumnSchema("starts", .text), ColumnSchema("zone", .text),
                    ColumnSchema("starts_utc", .text), ColumnSchema("venue_id", .blob),
                ],
                indexes: [["cohort_id"]], partitionRule: .column("cohort_id")),
            TableSchema(
                name: Table.attendance, keyColumns: ["event_id", "participant_id"],
                columns: [ColumnSchema("status", .text), ColumnSchema("remark", .text)],
                partitionRule: .keyReference(table: Table.events, keyPart: 0),
                // A mark is one value: status and remark win or lose together.
                columnGroups: [["status", "remark"]]),
            TableSchema(
                name: Table.notes, keyColumns: ["id"],
                columns: [
                    ColumnSchema("cohort_id", .blob), ColumnSchema("event_id", .blob),
                    ColumnSchema("participant_id", .blob), ColumnSchema("author", .text), ColumnSchema("body", .text),
                    ColumnSchema("created", .text),
                ],
                indexes: [["cohort_id"]], partitionRule: .column("cohort_id")),
            // Who wrote in a partition: each replica's name, once per partition it writes
            // to, so the ledger and exports can name authors instead of replica IDs.
            TableSchema(
                name: Table.devices, keyColumns: ["id"],
                columns: [ColumnSchema("replica_id", .blob), ColumnSchema("name", .text)],
                indexes: [["replica_id"]], partitionRule: .replicaRecord(replicaColumn: "replica_id")),
        ])
}
