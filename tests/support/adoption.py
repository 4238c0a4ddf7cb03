"""Bring the demo document to adoption the way the PPT does: silence, then adopt."""

from __future__ import annotations

from datetime import timedelta, timezone

from drafting import clock

GMT_6 = timezone(timedelta(hours=-6))


def adopt_demo(auth, demo, ppt: str = "panama@demo.test") -> None:
    auth.login(ppt)
    due = (clock.now() + timedelta(hours=1)).astimezone(GMT_6).isoformat(timespec="seconds")
    assert (
        auth.post(
            f"/api/documents/{demo.id}/transitions/start_silence", {"deadline": due}
        ).status_code
        == 200
    )
    clock.shift(3601)
    assert auth.post(f"/api/documents/{demo.id}/transitions/adopt").status_code == 200
