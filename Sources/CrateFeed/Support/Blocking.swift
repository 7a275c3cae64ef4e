import CrateDB
import Foundation

/// Runs async work from one of the pipeline's own threads and waits for it.
///
/// The pipeline's batcher and lanes are plain threads (their hot loops must not hop executors per reading);
/// the CrateDB client is async. Blocking a dedicated thread on a semaphore is fine; blocking the
/// cooperative pool is not, which is why this is only called from those threads.
func runBlocking<T>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let outcome = Locked<Result<T, Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let result: Result<T, Error>
        do { result = .success(try await work()) } catch { result = .failure(error) }
        outcome.withLock { $0 = result }
        done.signal()
    }
    done.wait()
    return try outcome.withLock { $0! }.get()
}
