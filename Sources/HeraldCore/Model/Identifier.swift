import Foundation
import Synchronization

/// Public identifiers such as `bk_01JD3V...`: a prefix, `_`, and 26 characters of
/// Crockford base32 laid out like a ULID (48-bit millisecond time, 80 random bits).
///
/// Ids made by one process sort in creation order, even within a millisecond:
/// the random part is incremented instead of redrawn, as a monotonic ULID does.
/// That keeps `ORDER BY id` meaningful and index inserts append-only.
public enum Identifier {
    /// Makes a new id, e.g. `make(prefix: "bk")`.
    public static func make(prefix: String) -> String {
        let (time, high, low) = next(now: Date())
        // 80 random bits: the top 16 (in `high`) and the low 64 make 16 digits;
        // split them as 40 + 40 bits so each half is a whole number of digits.
        let upper40 = (UInt64(high) << 24) | (low >> 40)
        let lower40 = low & 0xFF_FFFF_FFFF
        // Written as bytes: the planner makes an id per job, and appending `Character`s
        // one by one showed in profiles.
        let suffix = String(unsafeUninitializedCapacity: 27) { bytes in
            bytes[0] = UInt8(ascii: "_")
            var index = 1
            appendBase32(time, digits: 10, to: bytes, at: &index)
            appendBase32(upper40, digits: 8, to: bytes, at: &index)
            appendBase32(lower40, digits: 8, to: bytes, at: &index)
            return index
        }
        return prefix + suffix
    }

    private struct State {
        var time: UInt64 = 0
        var high: UInt16 = 0
        var low: UInt64 = 0
    }

    private static let state = Mutex(State())

    private static func next(now: Date) -> (UInt64, UInt16, UInt64) {
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000)) & 0xFFFF_FFFF_FFFF
        return state.withLock { state in
            if millis > state.time {
                state.time = millis
                state.high = UInt16.random(in: .min ... .max)
                state.low = UInt64.random(in: .min ... .max)
            } else {
                // Same millisecond (or the clock stepped back): stay after the last id.
                let (low, overflow) = state.low.addingReportingOverflow(1)
                state.low = low
                if overflow {
                    let (high, highOverflow) = state.high.addingReportingOverflow(1)
                    state.high = high
                    if highOverflow { state.time += 1 }
                }
            }
            return (state.time, state.high, state.low)
        }
    }

    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    private static func appendBase32(
        _ value: UInt64, digits: Int, to bytes: UnsafeMutableBufferPointer<UInt8>, at index: inout Int
    ) {
        for shift in stride(from: digits - 1, through: 0, by: -1) {
            bytes[index] = alphabet[Int((value >> UInt64(shift * 5)) & 31)]
            index += 1
        }
    }
}
