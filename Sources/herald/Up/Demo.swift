import Foundation
import HeraldBus
import HeraldProto

/// `herald up --demo`: a demo tenant and one booking whose confirmation goes out
/// at once and whose reminder follows about a minute later, then the outcomes
/// as the core logs them.
struct Demo {
    static let tenantID = "demo"
    static let customerEmail = "ada@example.com"
    static let customerPhone = "+15555550123"
    /// The reminder goes out this many minutes before the start.
    static let reminderMinutes: UInt32 = 1

    let adminEndpoint: String
    /// The admin key under `herald up --curve`.
    let curve: CurveOptions?
    /// How far ahead the booking starts; the reminder is due one minute earlier.
    let lead: Duration
    let outboxDirectory: String
    /// How to run the CLI in the hints (a path when `herald` is not on PATH, `--core` when not the default).
    let cliInvocation: String
    let expectsEmailChannel: Bool
    /// The web console's address (herald-gateway's /console); nil without a gateway.
    let consoleAddress: String?
    let console: UpConsole

    func run() async {
        let connection: CoreConnection
        do {
            connection = try CoreConnection.open(endpoint: adminEndpoint, timeout: 10, curve: curve)
        } catch {
            console.fail("demo: cannot connect to the core at \(adminEndpoint): \(error)")
            return
        }
        defer { connection.close() }
        do {
            if expectsEmailChannel { try await waitForEmailWorker(connection) }
            let booking = try await createBooking(connection)
            printHints(booking)
            if let consoleAddress { try await printConsoleHint(consoleAddress, connection) }
            try await followOutcomes(of: booking, connection)
        } catch is CancellationError {
            return
        } catch {
            console.fail("demo: \(error)")
        }
    }

    /// The confirmation is due at once: with no e-mail worker yet it would wait in
    /// the queue, which is fine, but the demo reads better when it goes out at once.
    private func waitForEmailWorker(_ connection: CoreConnection) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        var said = false
        while ContinuousClock.now < deadline {
            let channels = try await connection.admin.listChannels()
            if channels.workers.contains(where: { $0.channel == "email" }) { return }
            if !said {
                console.say("demo: waiting for the e-mail channel to connect…")
                said = true
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        console.warn("demo: no e-mail channel connected within 60 s; the booking's e-mails wait in the queue")
    }

    private func createBooking(_ connection: CoreConnection) async throws -> Herald_V1_Booking {
        do {
            _ = try await connection.admin.createTenant(
                Herald_V1_CreateTenantRequest.with {
                    $0.id = Self.tenantID
                    $0.name = "Demo Salon"
                    $0.timezone = TimeZone.current.identifier
                })
            console.say("demo: created tenant \(Self.tenantID) (Demo Salon, \(TimeZone.current.identifier))")
        } catch let error as RPCError where error.code == .alreadyExists {
            console.say("demo: using the existing tenant \(Self.tenantID)")
        }
        _ = try await connection.admin.updateSettings(
            Herald_V1_UpdateSettingsRequest.with {
                $0.tenantID = Self.tenantID
                $0.emailEnabled = true
                $0.smsEnabled = true
                $0.reminderOffsets = .with { $0.minutes = [Self.reminderMinutes] }
            })

        let start = Date.now.addingTimeInterval(Double(lead.components.seconds))
        return try await connection.admin.createBooking(
            Herald_V1_CreateBookingRequest.with {
                $0.tenantID = Self.tenantID
                $0.startAt = ISO8601DateFormatter().string(from: start)
                $0.customerName = "Ada Lovelace"
                $0.customerEmail = Self.customerEmail
                $0.customerPhone = Self.customerPhone
                $0.status = .confirmed
            })
    }

    private func printHints(_ booking: Herald_V1_Booking) {
        let cli = cliInvocation
        console.say(
            """
            demo: booked Ada Lovelace at \(booking.startAt) (booking \(booking.id))
            demo:   the confirmation (e-mail and SMS) goes out now, the reminder \(Self.reminderMinutes) minute before the start
            demo:   channels without credentials write each message to \(outboxDirectory)/ as JSON
            demo: try, in another terminal:
            demo:   \(cli) schedule \(booking.id)       every notification planned for it
            demo:   \(cli) log --tenant \(Self.tenantID)             what was sent, failed, skipped or missed
            demo:   \(cli) tail                          booking events and outcomes, live
            demo:   \(cli) channels                      connected channel workers and their queues
            demo:   \(cli) template preview \(Self.tenantID) reminder email   what the customer reads
            demo:   \(cli) booking cancel \(booking.id)  a cancellation notice, and the reminder is dropped
            """)
    }

    /// A key of the demo tenant, made for this run, to sign in to the web console with.
    private func printConsoleHint(_ address: String, _ connection: CoreConnection) async throws {
        let created = try await connection.admin.createApiKey(Herald_V1_CreateApiKeyRequest.with {
            $0.tenantID = Self.tenantID
            $0.name = "demo console"
        })
        console.say(
            """
            demo: web console: open \(address) and sign in with the key \(created.key)
            demo:   (a key of tenant \(Self.tenantID) made for this demo; \(cliInvocation) apikey revoke \(created.apiKey.id) ends it)
            """)
    }

    /// Prints each ReminderLog row of the booking as it appears, until a reminder
    /// is logged on every channel that sent a confirmation (or a few minutes pass).
    private func followOutcomes(of booking: Herald_V1_Booking, _ connection: CoreConnection) async throws {
        let deadline = ContinuousClock.now + lead + .seconds(180)
        var seen = Set<Int64>()
        while ContinuousClock.now < deadline {
            let log = try await connection.admin.listReminderLog(Herald_V1_ListReminderLogRequest.with { $0.bookingID = booking.id })
            for entry in log.entries.sorted(by: { $0.id < $1.id }) where seen.insert(entry.id).inserted {
                console.say("demo: \(describe(entry))")
            }
            let confirmed = Set(log.entries.filter { $0.kind == "confirmation" }.map(\.channel))
            let reminded = Set(log.entries.filter { $0.kind == "reminder" }.map(\.channel))
            if !confirmed.isEmpty, confirmed.isSubset(of: reminded) {
                console.say("demo: done: the confirmation and the reminder went out; Herald keeps running (Ctrl-C stops it)")
                return
            }
            try await Task.sleep(for: .seconds(1))
        }
        console.warn("demo: the reminder was not logged in time; see `\(cliInvocation) schedule \(booking.id)`")
    }

    private func describe(_ entry: Herald_V1_ReminderLogEntry) -> String {
        var text = "\(entry.outcome) \(entry.kind) by \(entry.channel) to \(entry.recipient)"
        if entry.providerMessageID.hasPrefix("outbox:") {
            text += " → \(outboxDirectory)/\(entry.providerMessageID.dropFirst("outbox:".count))"
        } else if !entry.provider.isEmpty {
            text += " via \(entry.provider)"
        }
        if !entry.error.isEmpty { text += " (\(entry.error))" }
        return text
    }
}
