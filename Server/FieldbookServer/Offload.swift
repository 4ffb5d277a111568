import Dispatch

/// Runs blocking database work on a GCD thread and suspends the calling task until it
/// finishes, so SQLite calls never block Swift's cooperative thread pool (two threads
/// on a two-core machine, shared by every request).
func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async {
            continuation.resume(with: Result { try body() })
        }
    }
}
