import Dispatch

/// Runs tasks on threads of their own instead of Swift's cooperative pool, which has two
/// threads on a two-core machine and is shared by every suite of the test process.
///
/// Many tests do seconds of blocking SQLite work between their suspension points (a
/// laptop's replica is synchronous). Two such tests at once leave the pool no thread, and
/// an in-process server on the pool stops answering: its real-socket clients (15–20 s
/// deadlines) then fail with a read timeout that says nothing about the code under test.
/// The simulation's seeds and every in-process server therefore run here; the kernel
/// shares the cores between threads fairly.
public final class OffPoolExecutor: TaskExecutor, Sendable {
    /// For many blocking tasks at once (the simulation's seeds).
    public static let shared = OffPoolExecutor(label: "fieldbook.test.blocking", concurrent: true)
    /// For PostgreSQL connection pools' own tasks, which wait on sockets and never block.
    public static let postgres = OffPoolExecutor(label: "fieldbook.test.postgres")

    private let queue: DispatchQueue

    /// A serial executor gets a thread of its own whenever it has work: libdispatch runs
    /// serial queues on its overcommitting root queue, which starts a thread rather than
    /// wait for a busy one. A concurrent one shares a pool about as wide as the cores.
    public init(label: String, concurrent: Bool = false) {
        queue = DispatchQueue(label: label, attributes: concurrent ? .concurrent : [])
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}

/// Runs `body`, and every child task it starts (an in-process server's connections, a
/// test client's timers), on a thread of its own: see ``OffPoolExecutor``.
public func offThePool<T>(
    _ label: String = "fieldbook.test.server", _ body: () async throws -> T
) async throws -> T {
    try await withTaskExecutorPreference(OffPoolExecutor(label: label), operation: body)
}
