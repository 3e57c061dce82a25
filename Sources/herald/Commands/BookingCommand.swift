import ArgumentParser
import HeraldProto
import HeraldViews

struct BookingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "booking", abstract: "Create, list, reschedule, cancel and mark bookings.",
        subcommands: [Create.self, List.self, Show.self, Reschedule.self, Cancel.self, Mark.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a booking and print its id.",
            discussion: "Times are ISO 8601 with an offset, e.g. 2025-08-17T15:30:00Z or 2025-08-17T17:30:00+02:00.")

        @Argument(help: "The tenant's id.") var tenant: String
        @Option(help: ArgumentHelp("When it starts (ISO 8601, in the future).", valueName: "iso8601")) var start: String
        @Option(help: ArgumentHelp("When it ends (default: start + the event type's duration).", valueName: "iso8601"))
        var end: String?
        @Option(help: "The booking's id (default: generated).") var id: String?
        @Option(help: "The customer's name.") var name: String?
        @Option(help: "The customer's email address.") var email: String?
        @Option(help: ArgumentHelp("The customer's phone number in E.164 form.", valueName: "+4915112345678")) var phone: String?
        @Option(name: .customLong("event-type"), help: "The event type's id.") var eventType: String?
        @Option(help: "pending or confirmed (default confirmed, or pending when the tenant or event type asks customers to confirm).")
        var status: String?
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let status, !["pending", "confirmed"].contains(status) {
                throw ValidationError("--status must be pending or confirmed, not \"\(status)\"")
            }
        }

        func run() async throws {
            let request = Herald_V1_CreateBookingRequest.with { request in
                request.tenantID = tenant
                request.startAt = start
                request.endAt = end ?? ""
                request.id = id ?? ""
                request.customerName = name ?? ""
                request.customerEmail = email ?? ""
                request.customerPhone = phone ?? ""
                request.eventTypeID = eventType ?? ""
                switch status {
                case "pending": request.status = .pending
                case "confirmed": request.status = .confirmed
                default: break  // The core decides.
                }
            }
            let booking = try await CoreConnection.with(core) {
                try await $0.admin.createBooking(request)
            }
            if output.json { try printJSON(BookingView(booking)) } else { print(booking.id) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a tenant's upcoming pending and confirmed bookings, soonest first.")

        @Argument(help: "The tenant's id.") var tenant: String
        @Flag(help: "List every booking, past and cancelled too, newest start first.") var all = false
        @Option(help: ArgumentHelp(
            "Bookings of every status whose id is TEXT, or whose customer name, e-mail or phone contains it (any case), newest start first.",
            valueName: "text"))
        var search: String?
        @Option(help: ArgumentHelp("With --starts-before: bookings of every status starting in [TIME, --starts-before), soonest first.", valueName: "time"))
        var startsFrom: String?
        @Option(help: ArgumentHelp("The end of the start window (ISO 8601).", valueName: "time"))
        var startsBefore: String?
        @Option(help: "At most this many (default 100, at most 1000).") var limit: UInt32 = 100
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let request = Herald_V1_ListBookingsRequest.with {
                $0.tenantID = tenant
                $0.includeAll = all
                $0.limit = limit
                $0.search = search ?? ""
                $0.startsFrom = startsFrom ?? ""
                $0.startsBefore = startsBefore ?? ""
            }
            let answer = try await CoreConnection.with(core) {
                try await $0.admin.listBookings(request)
            }
            if output.json {
                try printJSON(answer.bookings.map(BookingView.init))
            } else {
                var table = Table("id", "start", "end", "status", "customer", "email", "phone", "event type")
                for booking in answer.bookings {
                    table.append([
                        booking.id, booking.startAt, booking.endAt, booking.status.word, booking.customerName,
                        booking.customerEmail, booking.customerPhone, booking.eventTypeID,
                    ])
                }
                print(table.render())
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one booking.")

        @Argument(help: "The booking's id.") var id: String
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let booking = try await CoreConnection.with(core) {
                try await $0.admin.getBooking(Herald_V1_GetBookingRequest.with { $0.id = id })
            }
            try printBooking(booking, json: output.json)
        }
    }

    struct Reschedule: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move a booking to a new time.")

        @Argument(help: "The booking's id.") var id: String
        @Option(help: ArgumentHelp("The new start (ISO 8601, in the future).", valueName: "iso8601")) var start: String
        @Option(help: ArgumentHelp("The new end (default: keeps the booking's length).", valueName: "iso8601")) var end: String?
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let request = Herald_V1_RescheduleBookingRequest.with {
                $0.id = id
                $0.startAt = start
                $0.endAt = end ?? ""
            }
            let booking = try await CoreConnection.with(core) {
                try await $0.admin.rescheduleBooking(request)
            }
            try printBooking(booking, json: output.json)
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a booking.")

        @Argument(help: "The booking's id.") var id: String
        @Option(help: "Why, for the log.") var reason: String?
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let request = Herald_V1_CancelBookingRequest.with {
                $0.id = id
                $0.reason = reason ?? ""
            }
            let booking = try await CoreConnection.with(core) {
                try await $0.admin.cancelBooking(request)
            }
            try printBooking(booking, json: output.json)
        }
    }

    struct Mark: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mark a booking confirmed, completed or no-show.")

        enum Status: String, ExpressibleByArgument, CaseIterable {
            case confirmed, completed
            case noShow = "no-show"
        }

        @Argument(help: "The booking's id.") var id: String
        @Argument(help: "confirmed, completed or no-show.") var status: Status
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let request = Herald_V1_SetBookingStatusRequest.with {
                $0.id = id
                switch status {
                case .confirmed: $0.status = .confirmed
                case .completed: $0.status = .completed
                case .noShow: $0.status = .noShow
                }
            }
            let booking = try await CoreConnection.with(core) {
                try await $0.admin.setBookingStatus(request)
            }
            try printBooking(booking, json: output.json)
        }
    }
}

private func printBooking(_ booking: Herald_V1_Booking, json: Bool) throws {
    if json {
        try printJSON(BookingView(booking))
        return
    }
    var fields = Fields()
    fields.append("id", booking.id)
    fields.append("tenant", booking.tenantID)
    fields.append("event type", booking.eventTypeID)
    fields.append("status", booking.status.word)
    fields.append("start", booking.startAt)
    fields.append("end", booking.endAt)
    fields.append("customer", booking.customerName)
    fields.append("email", booking.customerEmail)
    fields.append("phone", booking.customerPhone)
    fields.append("schedule version", "\(booking.scheduleVersion)")
    fields.append("created", booking.createdAt)
    fields.append("updated", booking.updatedAt)
    print(fields.render())
}
