import Foundation

/// Runs blocking work (a libcurl transfer, `getaddrinfo`) on a thread of its
/// own, so that it never holds one of the few threads of Swift's cooperative
/// pool (one per core) while it waits on the network.
enum BlockingThread {
    static func run<T: Sendable>(_ name: String, _ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.name = name
            thread.start()
        }
    }
}
