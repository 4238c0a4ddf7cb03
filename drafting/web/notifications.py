"""The notifications page, the bell's count, notification settings and unsubscribe links."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from drafting import localtime
from drafting.extensions import db
from drafting.handlers import viewer
from drafting.services import notifications
from drafting.services.errors import BadInput
from drafting.web import bp


def unread_notifications() -> int:
    """The bell's count (asked by base.html, so only pages that show the bell query it)."""
    user = viewer()
    return notifications.unread_count(user) if user else 0


def local_time(moment, process_timezone: str | None = None) -> str:
    """A time in the reader's zone with its offset (templates: `{{ local_time(t) }}`)."""
    return localtime.format_time(moment, localtime.zone_name_for(viewer(), process_timezone))


@bp.record_once
def _register(state) -> None:
    state.app.jinja_env.globals.update(
        unread_notifications=unread_notifications, local_time=local_time
    )


@bp.get("/notifications")
@login_required
def notifications_page():
    found = notifications.for_user(current_user)
    items = [
        {
            "notification": n,
            "text": notifications.describe(n, notifications.zone_of(n, current_user)),
            "when": localtime.format_time(n.created_at, notifications.zone_of(n, current_user)),
        }
        for n in found
    ]
    return render_template("notifications.html", items=items)


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read_notification(notification_id: int):
    notifications.mark_read(current_user, notification_id)
    db.session.commit()
    return redirect(url_for("web.notifications_page")), 303


@bp.post("/notifications/read")
@login_required
def read_all_notifications():
    notifications.mark_all_read(current_user)
    db.session.commit()
    return redirect(url_for("web.notifications_page")), 303


@bp.route("/notifications/settings", methods=["GET", "POST"])
@login_required
def notification_settings():
    if request.method == "POST":
        zone = (request.form.get("timezone") or "").strip()
        asked = {e: {"mail": request.form.get(f"mail-{e}")} for e in notifications.EVENTS}
        try:
            modes = notifications.parse_settings(asked)
        except BadInput:
            flash(_("Choose how each event reaches you."), "error")
            return redirect(url_for("web.notification_settings")), 303
        if zone and not localtime.is_zone(zone):
            flash(_("%(zone)s is not a time zone.", zone=zone), "error")
            return redirect(url_for("web.notification_settings")), 303
        notifications.set_timezone(current_user, zone)
        notifications.update_settings(current_user, modes)
        db.session.commit()
        flash(_("Your notification settings are saved."), "ok")
        return redirect(url_for("web.notification_settings")), 303
    return render_template(
        "notification_settings.html",
        settings=notifications.settings_of(current_user),
        events=notifications.EVENTS,
        labels=notifications.EVENT_LABELS,
        zones=localtime.zone_names(),
        zone=localtime.zone_name_for(current_user),
    )


def _unsubscribe_page(token: str, event: str, done: bool) -> str:
    label = None if event == notifications.ALL_EVENTS else notifications.EVENT_LABELS[event]
    return render_template("unsubscribe.html", token=token, event_label=label, done=done)


@bp.get("/notifications/unsubscribe/<token>")
def unsubscribe(token: str):
    """Asks before it acts: mail programs open links to preview them."""
    _user, event = notifications.read_unsubscribe(token)
    return _unsubscribe_page(token, event, done=False)


@bp.post("/notifications/unsubscribe/<token>")
def unsubscribe_confirm(token: str):
    _user, event = notifications.unsubscribe(token)
    db.session.commit()
    return _unsubscribe_page(token, event, done=True)
