import CZeroMQ
import Synchronization

/// The libzmq context: its I/O threads carry every socket of the process.
///
/// One context per process is enough; every socket, endpoint and client takes it
/// so they share those I/O threads. libzmq documents contexts as thread safe,
/// which is why this class can be `Sendable` although it holds a raw pointer.
///
/// The context is terminated when the last reference goes away. Each
/// ``ZMQSocket`` keeps its context alive, so termination only starts once every
/// socket is closed, and because every socket Herald creates has a bounded
/// LINGER, it finishes promptly instead of hanging on unsent messages.
public final class ZMQContext: @unchecked Sendable {
    /// The `void *` libzmq hands out; immutable after init and thread safe per libzmq.
    let handle: UnsafeMutableRawPointer
    private let terminated = Atomic<Bool>(false)

    /// Creates a context.
    /// - Parameter ioThreads: libzmq I/O threads; one handles well over a gigabyte a second.
    public init(ioThreads: Int32 = 1) throws(ZMQError) {
        guard let handle = zmq_ctx_new() else { throw ZMQError.last("zmq_ctx_new") }
        self.handle = handle
        if zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads) != 0 {
            let error = ZMQError.last("zmq_ctx_set(ZMQ_IO_THREADS)")
            zmq_ctx_term(handle)
            throw error
        }
        // Without BLOCKY=0 a socket left with the default infinite linger could make
        // termination wait forever; Herald's sockets set LINGER anyway, this is the backstop.
        zmq_ctx_set(handle, ZMQ_BLOCKY, 0)
    }

    deinit { terminate() }

    /// Terminates the context now: blocks until every socket is closed and what
    /// they queued has left or outlived its LINGER. A process calls it last, so
    /// that its final messages (the core's `Shutdown` to its workers) reach the
    /// wire before it exits; returning from `main` does not wait for libzmq's
    /// I/O threads. Sockets still open get `ETERM` and are closed by their
    /// ``SocketThread``. Idempotent; the context is unusable afterwards.
    public func terminate() {
        guard !terminated.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // Retry on EINTR: a signal must not leak the context.
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }

    /// The libzmq version linked at run time, e.g. (4, 3, 4).
    public static var version: (major: Int32, minor: Int32, patch: Int32) {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (major, minor, patch)
    }
}
