"""The `.ics` invitation a round-opened or silence-started mail carries: one event at the
deadline, in the process's time zone (with its VTIMEZONE), made with `icalendar`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from icalendar import Calendar, Event

from drafting import clock, localtime
from drafting.models import Notification

MIME_TYPE = "text/calendar; method=PUBLISH; charset=UTF-8"


def invitation(notification: Notification, link: str) -> tuple[str, bytes, str]:
    """(file name, content, MIME type) for the deadline a notification announces."""
    params = notification.params
    zone = params.get("timezone") if localtime.is_zone(params.get("timezone")) else "UTC"
    due = clock.as_utc(datetime.fromisoformat(params["deadline"])).astimezone(ZoneInfo(zone))
    if notification.event == "silence_started":
        summary = _("Silence procedure ends: %(document)s", document=params["document"])
    else:
        summary = _("Round closes: %(document)s", document=params["document"])
    calendar = Calendar()
    calendar.add("prodid", "-//Drafting//Deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"deadline-{params.get('deadline_id', notification.id)}@drafting")
    event.add("dtstamp", clock.now())
    event.add("dtstart", due)
    event.add("summary", summary)
    event.add("description", link)
    event.add("url", link)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return "deadline.ics", calendar.to_ical(), MIME_TYPE
