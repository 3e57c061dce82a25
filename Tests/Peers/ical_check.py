#!/usr/bin/env python3
"""Reads iCalendar files with a real iCalendar library (icalendar, from PyPI) and
prints, per file, one JSON object with what a calendar client would take from it:

    ical_check.py FILE...

{"method", "uid", "sequence", "dtstamp", "dtstart", "dtend" (ISO 8601, UTC),
 "summary", "description", "location", "status", "organizer", "organizer_cn",
 "attendee", "attendee_cn", "events" (how many VEVENTs), "lines_ok" (every line
 CRLF-terminated and at most 75 octets)}. A file that does not parse exits 2.
"""
import json
import sys

import icalendar


def text(value):
    return None if value is None else str(value)


def main():
    for path in sys.argv[1:]:
        raw = open(path, "rb").read()
        lines = raw.split(b"\r\n")
        lines_ok = raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"") \
            and all(len(line) <= 75 for line in lines)
        try:
            calendar = icalendar.Calendar.from_ical(raw)
        except Exception as error:  # noqa: BLE001 - any parse failure is the answer
            print("%s: %s" % (path, error), file=sys.stderr)
            return 2
        events = [component for component in calendar.walk() if component.name == "VEVENT"]
        event = events[0] if events else {}
        organizer = event.get("ORGANIZER")
        attendee = event.get("ATTENDEE")
        print(json.dumps({
            "method": text(calendar.get("METHOD")),
            "uid": text(event.get("UID")),
            "sequence": event.get("SEQUENCE"),
            "dtstamp": event.decoded("DTSTAMP").isoformat() if "DTSTAMP" in event else None,
            "dtstart": event.decoded("DTSTART").isoformat() if "DTSTART" in event else None,
            "dtend": event.decoded("DTEND").isoformat() if "DTEND" in event else None,
            "summary": text(event.get("SUMMARY")),
            "description": text(event.get("DESCRIPTION")),
            "location": text(event.get("LOCATION")),
            "status": text(event.get("STATUS")),
            "organizer": text(organizer),
            "organizer_cn": text(organizer.params.get("CN")) if organizer is not None else None,
            "attendee": text(attendee),
            "attendee_cn": text(attendee.params.get("CN")) if attendee is not None else None,
            "events": len(events),
            "lines_ok": lines_ok,
        }, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
