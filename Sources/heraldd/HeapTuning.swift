#if canImport(Glibc)
import Glibc
#endif

/// Keeps freed memory in heraldd's heap instead of handing it back to the kernel at
/// once.
///
/// SQLite builds a small temporary b-tree for each `IN (...)` list of the schema's
/// CHECK constraints on every insert (a booking write makes nine of them), with a
/// page cache of about 80 KiB that is freed when the statement ends. With glibc's
/// default trim threshold (128 KiB) each free shrank the thread's heap (`madvise`,
/// a TLB shootdown on every core) and the next insert page-faulted the same memory
/// back in: in a profile of booking ingest that churn was about a tenth of heraldd's
/// CPU. Freed memory above these thresholds is still returned; below them it is reused.
enum HeapTuning {
    /// Free memory a heap keeps before returning the rest.
    static let trimThreshold: Int32 = 16 << 20
    /// Allocations from this size on get their own mapping (setting the trim
    /// threshold turns off glibc's adaptive choice, so it is set too).
    static let mmapThreshold: Int32 = 4 << 20

    static func apply() {
        #if canImport(Glibc)
        // Swift's Glibc module does not export <malloc.h>; glibc has `mallopt` since forever.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThresholdParameter: Int32 = -1, mmapThresholdParameter: Int32 = -3 // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
        _ = mallopt(trimThresholdParameter, trimThreshold)
        _ = mallopt(mmapThresholdParameter, mmapThreshold)
        #endif
    }
}
