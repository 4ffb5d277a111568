import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A PostgreSQL cluster for one test process: `initdb` in a temporary folder, `pg_ctl
/// start` on a free loopback port (fsync off: the data is thrown away), stopped and
/// deleted when the process exits. As root it runs as the `postgres` user (PostgreSQL
/// refuses root), creating a `fieldbook-pg` system user when there is none.
public enum ThrowawayCluster {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    /// The folder of the running cluster, for the exit handler.
    nonisolated(unsafe) static var running: (folder: String, bin: String, user: String?)?

    /// Starts the cluster; returns the URL of its `postgres` database.
    static func start() throws -> String {
        guard let bin = TestPostgres.binaries else {
            throw Failure(
                description:
                    "FIELDBOOK_REQUIRE_POSTGRES=1 but PostgreSQL was not found; install postgresql or set FIELDBOOK_TEST_POSTGRES_URL"
            )
        }
        let user = getuid() == 0 ? try unprivilegedUser() : nil
        stopLeftovers(bin: bin, user: user)
        let folder = NSTemporaryDirectory() + "fieldbook-test-postgres-\(getpid())"
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let password = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        try password.write(toFile: folder + "/password", atomically: true, encoding: .utf8)
        if let user { try run("/bin/chown", ["-R", user, folder]) }
        try run(
            "\(bin)/initdb",
            [
                "-D", folder + "/data", "-U", "fieldbook", "--pwfile=\(folder)/password", "-E", "UTF8", "--locale=C",
                "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync",
            ], as: user)
        let port = try freePort()
        running = (folder, bin, user)
        atexit { ThrowawayCluster.stop() }
        try run(
            "\(bin)/pg_ctl",
            [
                "-D", folder + "/data", "-l", folder + "/server.log", "-w", "-t", "60", "-o",
                "-c listen_addresses=127.0.0.1 -p \(port) -k \(folder) -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                "start",
            ], as: user)
        return "postgres://fieldbook:\(password)@127.0.0.1:\(port)/postgres?sslmode=disable"
    }

    /// Stops the cluster and deletes its folder.
    static func stop() {
        guard let (folder, bin, user) = running else { return }
        running = nil
        try? run("\(bin)/pg_ctl", ["-D", folder + "/data", "-m", "immediate", "-w", "stop"], as: user)
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Stops and deletes the clusters of test processes that died without stopping theirs.
    static func stopLeftovers(bin: String, user: String?) {
        let prefix = "fieldbook-test-postgres-"
        let temporary = NSTemporaryDirectory()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? [] where name.hasPrefix(prefix)
        {
            guard let owner = Int32(name.dropFirst(prefix.count)), owner != getpid(), kill(owner, 0) != 0 else {
                continue
            }
            let folder = temporary + name
            try? run("\(bin)/pg_ctl", ["-D", folder + "/data", "-m", "immediate", "-w", "stop"], as: user)
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    static func unprivilegedUser() throws -> String {
        if getpwnam("postgres") != nil { return "postgres" }
        if getpwnam("fieldbook-pg") == nil {
            try run(
                "/usr/sbin/useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "fieldbook-pg"])
        }
        return "fieldbook-pg"
    }

    /// A loopback port nobody listens on (the kernel's pick for an ephemeral bind).
    public static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "cannot open a socket to find a free port") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(socket, address, length) == 0 && getsockname(socket, address, &length) == 0
            }
        }
        guard bound else { throw Failure(description: "cannot bind a loopback socket to find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Runs a command (as `user` through runuser when given) and waits; throws with its output on failure.
    ///
    /// posix_spawn and waitpid, not Foundation's `Process`: `pg_ctl start` leaves a server
    /// running that inherits the descriptors `Process` watches, so it would never see the
    /// command end. Output goes to a file for the same reason.
    static func run(_ executable: String, _ arguments: [String], as user: String? = nil) throws {
        let command = (user.map { ["/usr/sbin/runuser", "-u", $0, "--"] } ?? []) + [executable] + arguments
        let log = NSTemporaryDirectory() + "fieldbook-postgres-command-\(getpid())-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw Failure(description: "cannot run \(command[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw Failure(
                description: "\((executable as NSString).lastPathComponent) failed (status \(status)): \(output)")
        }
    }
}
