import Dispatch

/// Runs the simulation's seeds on threads of their own instead of Swift's cooperative
/// pool (two threads on a two-core machine, shared by every suite of the test process).
///
/// A seed does seconds of blocking SQLite work between its suspension points; on the
/// cooperative pool two seeds at once left the other suites' servers no thread for tens
/// of seconds, and their real-socket clients (15 s deadlines) timed out. On GCD threads
/// the kernel shares the cores fairly instead.
final class SimulationExecutor: TaskExecutor {
    static let shared = SimulationExecutor()

    private let queue = DispatchQueue(label: "fieldbook.simulation", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
