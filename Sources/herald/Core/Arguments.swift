import ArgumentParser
import HeraldProto

/// `on` or `off` (also true/false, yes/no).
struct Switch: ExpressibleByArgument {
    var isOn: Bool

    init?(argument: String) {
        switch argument.lowercased() {
        case "on", "true", "yes", "1": isOn = true
        case "off", "false", "no", "0": isOn = false
        default: return nil
        }
    }

    static var allValueStrings: [String] { ["on", "off"] }
}

/// on, off, or tenant (follow the tenant's setting): an event type's override of a tenant switch.
struct OverrideSwitch: ExpressibleByArgument {
    /// nil: the tenant's.
    var value: Bool?

    init?(argument: String) {
        if argument.lowercased() == "tenant" {
            value = nil
        } else if let on = Switch(argument: argument) {
            value = on.isOn
        } else {
            return nil
        }
    }

    static var allValueStrings: [String] { ["on", "off", "tenant"] }
}

/// A comma-separated list of minutes before the start, e.g. `1440,60`.
struct MinutesList: ExpressibleByArgument {
    var minutes: [UInt32]

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        if argument.trimmingCharacters(in: .whitespaces).isEmpty {
            minutes = []  // The core answers that the list is empty.
            return
        }
        var values: [UInt32] = []
        for part in parts {
            guard let value = UInt32(part) else { return nil }
            values.append(value)
        }
        minutes = values
    }

    var proto: Herald_V1_ReminderOffsets {
        .with { $0.minutes = minutes }
    }
}

/// A comma-separated list of words, e.g. `a@x.com,b@y.com`.
struct CommaList: ExpressibleByArgument {
    var items: [String]

    init?(argument: String) {
        items = argument.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// `21:00-08:00` in the tenant's time zone, or `off`.
struct QuietHoursArgument: ExpressibleByArgument {
    var hours: Herald_V1_QuietHours?

    init?(argument: String) {
        if argument.lowercased() == "off" {
            hours = nil
            return
        }
        let ends = argument.split(separator: "-")
        guard ends.count == 2, let start = Self.minute(of: ends[0]), let end = Self.minute(of: ends[1]) else {
            return nil
        }
        hours = .with {
            $0.startMinute = start
            $0.endMinute = end
        }
    }

    private static func minute(of text: Substring) -> UInt32? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count <= 2, parts[1].count == 2,
            let hour = UInt32(parts[0]), let minute = UInt32(parts[1]), hour < 24, minute < 60
        else { return nil }
        return hour * 60 + minute
    }

    static func format(_ hours: Herald_V1_QuietHours) -> String {
        func clock(_ minutes: UInt32) -> String {
            let hour = minutes / 60
            let minute = minutes % 60
            return (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
        }
        return clock(hours.startMinute) + "-" + clock(hours.endMinute)
    }
}

/// `MINUTES` after the end, or `off`.
struct FollowUpArgument: ExpressibleByArgument {
    var minutes: UInt32?

    init?(argument: String) {
        if argument.lowercased() == "off" {
            minutes = nil
            return
        }
        guard let value = UInt32(argument) else { return nil }
        minutes = value
    }
}
