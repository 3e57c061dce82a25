import HeraldProto
import HeraldViews

// What the API answers beyond the shared views of HeraldViews.

/// The API's status words (as ``Herald_V1_BookingStatus/word`` writes them), read back.
enum StatusWord {
    static func parse(_ word: String) -> Herald_V1_BookingStatus? {
        switch word {
        case "pending": .pending
        case "confirmed": .confirmed
        case "cancelled": .cancelled
        case "completed": .completed
        case "no_show": .noShow
        default: nil
        }
    }
}

/// The answer to a booking write, in the shape booking apps expect.
struct BookingWriteJSON: Encodable {
    var ok = true
    var booking_id: String
    var booking: BookingView

    init(_ booking: Herald_V1_Booking) {
        booking_id = booking.id
        self.booking = BookingView(booking)
    }
}

struct BookingListJSON: Encodable {
    var bookings: [BookingView]
    var limit: Int
    /// The `cursor` of the next page; nil on the last page.
    var next_cursor: String?
}

struct ReminderLogJSON: Encodable {
    var entries: [LogEntryView]
}
