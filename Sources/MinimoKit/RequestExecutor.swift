import NIOCore
import NIOPosix

/// Runs a request's whole path on the one thread that does its I/O.
///
/// A lookup used to cross threads four to six times: from the caller's task to the quota gate's
/// answer, to AsyncHTTPClient's event loop, back to Swift's global executor for the response
/// head, again for the body, each a futex or eventfd wake-up of tens of µs on a shared VM; curl
/// does the same request on one thread. `MinimoClient` now runs each request under a task-executor
/// preference for this executor (SE-0417): the gate and the exchange recorder (default actors),
/// AsyncHTTPClient's async code and the decoding all run on the event loop that owns the
/// connection, and a continuation the loop resumes stays on it. What is left is one hop in and
/// one hop out, none when the caller already runs here (`MinimoClient.onRequestLoop`).
///
/// The loop is minimo's own, one thread for every HTTP connection of the process, so "the
/// connection's loop" is always this one. Nothing else runs on it: the TUI's loop, GRDB's queues
/// and the in-process sandbox keep their threads. One thread is plenty: a request costs it a
/// few hundred µs of CPU, and the API allows a few requests a second.
public final class RequestExecutor: TaskExecutor {
    /// The process's HTTP event loop (never shut down: it lives as long as the process).
    public static let shared = RequestExecutor(group: MultiThreadedEventLoopGroup(numberOfThreads: 1))

    public let group: MultiThreadedEventLoopGroup
    private let loop: EventLoop

    init(group: MultiThreadedEventLoopGroup) {
        self.group = group
        self.loop = group.next()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        loop.execute { job.runSynchronously(on: executor) }
    }
}
