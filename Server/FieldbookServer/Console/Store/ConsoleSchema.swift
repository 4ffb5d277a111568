/// The console's own tables (office accounts, sessions, the audit log, settings, and what
/// each laptop's last sync round said), the same on both stores, and created
/// idempotently when the console starts.
///
/// They are not replicated: accounts and sessions belong to the server, not to the
/// register, and never travel to laptops.
enum ConsoleSchema {
    /// Ledger rows whose describing cells have all arrived (as in the NPQ domain layer:
    /// a bounded batch can bring some of an entry's six cells before the rest).
    static let completeEntry = """
        cell_table IS NOT NULL AND cell_key IS NOT NULL AND cell_column IS NOT NULL
        AND loser_time IS NOT NULL AND loser_origin IS NOT NULL
        """

    /// SQLite: columns added to the console's tables after they shipped, for a file
    /// whose table lacks them (SQLite has no `ADD COLUMN IF NOT EXISTS`).
    static let sqliteAddedColumns = [(table: "fb_console_laptops", column: "app_version", type: "TEXT")]

    /// SQLite: one script.
    static let sqlite = """
        CREATE TABLE IF NOT EXISTS fb_console_users (
            name TEXT PRIMARY KEY NOT NULL,
            role TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            failures INTEGER NOT NULL DEFAULT 0,
            locked_until INTEGER NOT NULL DEFAULT 0,
            created INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS fb_console_sessions (
            id_hash BLOB PRIMARY KEY NOT NULL,
            user_name TEXT NOT NULL,
            csrf TEXT NOT NULL,
            created INTEGER NOT NULL,
            expires INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS fb_console_audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            time INTEGER NOT NULL,
            user_name TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS fb_console_settings (
            key TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS fb_console_laptops (
            replica BLOB PRIMARY KEY NOT NULL,
            token TEXT NOT NULL,
            last_sync INTEGER NOT NULL,
            client_time INTEGER NOT NULL,
            schema_version INTEGER NOT NULL,
            app_version TEXT);
        CREATE TABLE IF NOT EXISTS fb_console_laptop_streams (
            replica BLOB NOT NULL,
            partition BLOB NOT NULL,
            written INTEGER NOT NULL,
            PRIMARY KEY (replica, partition));
        """

    /// PostgreSQL: one statement each (run under the migration lock, so several server
    /// processes starting at once do not race).
    static let postgres = [
        """
        CREATE TABLE IF NOT EXISTS fb_console_users (
            name text PRIMARY KEY,
            role text NOT NULL,
            password_hash text NOT NULL,
            failures bigint NOT NULL DEFAULT 0,
            locked_until bigint NOT NULL DEFAULT 0,
            created bigint NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS fb_console_sessions (
            id_hash bytea PRIMARY KEY,
            user_name text NOT NULL,
            csrf text NOT NULL,
            created bigint NOT NULL,
            expires bigint NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS fb_console_audit (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            time bigint NOT NULL,
            user_name text NOT NULL,
            action text NOT NULL,
            detail text NOT NULL)
        """,
        "CREATE TABLE IF NOT EXISTS fb_console_settings (key text PRIMARY KEY, value text NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS fb_console_laptops (
            replica bytea PRIMARY KEY,
            token text NOT NULL,
            last_sync bigint NOT NULL,
            client_time bigint NOT NULL,
            schema_version bigint NOT NULL)
        """,
        // Added after the table shipped: the app version a laptop's sync requests name.
        "ALTER TABLE fb_console_laptops ADD COLUMN IF NOT EXISTS app_version text",
        """
        CREATE TABLE IF NOT EXISTS fb_console_laptop_streams (
            replica bytea NOT NULL,
            partition bytea NOT NULL,
            written bigint NOT NULL,
            PRIMARY KEY (replica, partition))
        """,
    ]
}
