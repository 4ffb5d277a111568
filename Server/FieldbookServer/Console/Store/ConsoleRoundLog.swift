import FieldbookCore
import FieldbookProtocol

/// Records each answered sync round in the console's own tables: the laptop's last sync,
/// its token, its schema version, app version (the last one it sent: a round without one
/// keeps it) and clock, and, per partition, how far its own stream
/// reached when it opened the round (what it had written), so the laptops page can say
/// how many of a laptop's changes the server still lacked at its last contact.
///
/// Two small upserts per round, outside the merge transaction.
struct ConsoleRoundLog: RoundObserver {
    let store: any ConsoleStore

    func roundAnswered(_ open: RoundOpen, token: StoredToken, appVersion: String?, at time: UInt64) async throws {
        let replica = SQLValue.blob(open.replica.rawValue.bytes)
        try await store.execute(
            """
            INSERT INTO fb_console_laptops (replica, token, last_sync, client_time, schema_version, app_version)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (replica) DO UPDATE SET token = excluded.token, last_sync = excluded.last_sync,
                client_time = excluded.client_time, schema_version = excluded.schema_version,
                app_version = coalesce(excluded.app_version, fb_console_laptops.app_version)
            """,
            [
                replica, .text(token.name), .integer(Int64(time)), .integer(Int64(clamping: open.clientTime)),
                .integer(Int64(open.schemaVersion)), appVersion.map { SQLValue.text($0) } ?? SQLValue.null,
            ])
        let own = open.knowledge.partitions.sorted().compactMap { partition -> (PartitionID, UInt64)? in
            let written = open.knowledge[StreamID(partition: partition, origin: open.replica)]
            return written > 0 ? (partition, written) : nil
        }
        guard !own.isEmpty else { return }
        try await store.execute(
            """
            INSERT INTO fb_console_laptop_streams (replica, partition, written)
            VALUES \(own.map { _ in "(?, ?, ?)" }.joined(separator: ", "))
            ON CONFLICT (replica, partition) DO UPDATE SET written = excluded.written
            """,
            own.flatMap { partition, written in
                [replica, .blob(partition.rawValue.bytes), .integer(Int64(clamping: written))]
            })
    }
}
