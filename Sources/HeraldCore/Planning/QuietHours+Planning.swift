import Foundation

extension QuietHours {
    /// Whether a local wall-clock time, in minutes after midnight, falls inside the window.
    ///
    /// The start is quiet, the end is not: 21:00–08:00 silences 21:00 through 07:59.
    /// A window whose ends are equal is empty rather than the whole day, so a
    /// half-configured window cannot silence a tenant completely.
    func contains(minuteOfDay minute: Int) -> Bool {
        if startMinute == endMinute { return false }
        if crossesMidnight { return minute >= startMinute || minute < endMinute }
        return minute >= startMinute && minute < endMinute
    }

    /// The quiet period that `date` falls in, as instants; `nil` when `date` is outside the window.
    ///
    /// Worked out with `calendar` (which carries the tenant's time zone) rather than by
    /// subtracting minutes, so a night with a daylight-saving change is an hour shorter or
    /// longer, as it really is. An end that does not exist that night (skipped by the clock
    /// change) is taken as the first time that does.
    func period(containing date: Date, calendar: Calendar) -> (start: Date, end: Date)? {
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        guard contains(minuteOfDay: minute) else { return nil }
        // A window crossing midnight began the evening before for an early-morning time,
        // and ends the next morning for an evening time.
        let startDay = crossesMidnight && minute < endMinute ? -1 : 0
        let endDay = crossesMidnight && minute >= startMinute ? 1 : 0
        let midnight = calendar.startOfDay(for: date)
        guard let start = time(startMinute, daysFrom: midnight, plus: startDay, calendar: calendar),
              let end = time(endMinute, daysFrom: midnight, plus: endDay, calendar: calendar)
        else { return nil }
        return (min(start, date), max(end, date))
    }

    private func time(_ minuteOfDay: Int, daysFrom midnight: Date, plus days: Int, calendar: Calendar) -> Date? {
        guard let day = calendar.date(byAdding: .day, value: days, to: midnight) else { return nil }
        return calendar.date(
            bySettingHour: minuteOfDay / 60, minute: minuteOfDay % 60, second: 0, of: day,
            matchingPolicy: .nextTime, repeatedTimePolicy: .first, direction: .forward
        )
    }
}
