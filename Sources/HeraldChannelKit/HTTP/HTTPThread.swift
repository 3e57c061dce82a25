import CCurl
import Foundation

/// Runs blocking work (a libcurl transfer, `getaddrinfo`) on a thread of its
/// own, so that it never holds one of the few threads of Swift's cooperative
/// pool while it waits on the network.
enum HTTPThread {
    static func run<T: Sendable>(_ name: String, _ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.name = name
            thread.start()
        }
    }
}

/// `curl_global_init`, exactly once per process and before any other libcurl
/// call (Swift runs a static's initializer once, thread-safely).
enum HTTPCurlSetup {
    private static let done: Bool = curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK

    static func initialize() { _ = done }
}
