"""The caller's notifications and notification settings over JSON (SPEC §10)."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user, login_required

from drafting.api import bp
from drafting.extensions import db
from drafting.handlers import body
from drafting.services import notifications


@bp.get("/notifications")
@login_required
def list_notifications():
    found = notifications.for_user(current_user)
    return jsonify([notifications.as_json(n, current_user) for n in found])


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read_notification(notification_id: int):
    notification = notifications.mark_read(current_user, notification_id)
    db.session.commit()
    return jsonify(notifications.as_json(notification, current_user))


@bp.get("/me/notification-settings")
@login_required
def notification_settings():
    return jsonify(notifications.settings_of(current_user))


@bp.put("/me/notification-settings")
@login_required
def update_notification_settings():
    modes = notifications.parse_settings(body())
    answer = notifications.update_settings(current_user, modes)
    db.session.commit()
    return jsonify(answer)
