"""HTTP helpers shared by the amendment, changes and discussion tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EIGHT_A = (
    "Decline the proposal for incorporating the RCM TS into the Steering Committee of the "
    "Joint Initiative on the Health of Migrants and their Families (INCOSAMI)."
)

RATIONALE = "The text reads better this way."  # every amendment gives one (a process setting)


def future() -> str:
    return (datetime.now(UTC) + timedelta(days=10)).astimezone().isoformat()


def transition(auth, demo, name: str, who: str = "secretariat@demo.test", **extra):
    auth.login(who)
    response = auth.post(f"/api/documents/{demo.id}/transitions/{name}", extra)
    assert response.status_code == 200, response.get_json()
    return response


def open_round(auth, demo):
    return transition(auth, demo, "open_round", deadline=future())


def close_round(auth, demo):
    return transition(auth, demo, "close_round")


def file(auth, demo, who: str, number: str, text: str | None, kind: str = "modify", **extra):
    auth.login(who)
    paragraph = demo.paragraph(number)
    payload = {
        "kind": kind,
        "paragraph_id": paragraph["id"],
        "lang": "en",
        "rationale": RATIONALE,
        **extra,
    }
    if text is not None:
        payload["text"] = text
    return auth.post(f"/api/documents/{demo.id}/amendments", payload)


def edit(auth, demo, who: str, number: str, text: str, lang: str = "en"):
    auth.login(who)
    paragraph = demo.paragraph(number)
    response = auth.post(
        f"/api/documents/{demo.id}/paragraphs/{paragraph['id']}/versions",
        {"lang": lang, "text": text, "base_version": paragraph["version"][lang]},
    )
    assert response.status_code == 201, response.get_json()
    return response


def decide(auth, amendment_id: int, who: str = "elsalvador@demo.test", **payload):
    auth.login(who)
    return auth.post(f"/api/amendments/{amendment_id}/decision", payload)


def amendments(client, demo, **filters):
    response = client.get(f"/api/documents/{demo.id}/amendments", query_string=filters)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def csrf_in(html: str) -> str:
    """The CSRF token of the first form on a page."""
    import re

    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, "no form with a CSRF token on the page"
    return found.group(1)
