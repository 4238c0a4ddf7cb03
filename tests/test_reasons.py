"""Refusal reasons as data: codes with parameters, rendered in the requester's language."""

from __future__ import annotations

from datetime import timedelta

from babel.messages.pofile import read_po

from drafting import ROOT, clock
from drafting.reasons import CODES, MESSAGES

CATALOGUE = ROOT / "drafting" / "translations" / "es" / "LC_MESSAGES" / "messages.po"


def bracket_6b(auth, demo) -> None:
    auth.login("elsalvador@demo.test")
    paragraph = demo.paragraph("6.b")
    response = auth.post(
        f"/api/documents/{demo.id}/paragraphs/{paragraph['id']}/versions",
        {"lang": "en", "text": "[Encourage] States to act.", "base_version": 1},
    )
    assert response.status_code == 201
    auth.login("panama@demo.test")


def start_silence(client, auth, demo, **headers):
    deadline = (clock.now() + timedelta(days=3)).isoformat(timespec="seconds")
    return client.post(
        f"/api/documents/{demo.id}/transitions/start_silence",
        json={"deadline": deadline},
        headers={**auth.headers(), **headers},
    )


def test_a_refusal_comes_in_the_language_asked_with_its_codes(client, auth, demo):
    bracket_6b(auth, demo)
    response = start_silence(client, auth, demo, **{"Accept-Language": "es"})
    assert response.status_code == 409
    answer = response.get_json()
    assert "el párrafo 6.b está entre corchetes" in answer["reasons"]
    assert {"code": "paragraph_bracketed", "paragraph": "6.b"} in answer["reason_codes"]
    assert len(answer["reason_codes"]) == len(answer["reasons"])
    listed = client.get(
        f"/api/documents/{demo.id}/transitions", headers={"Accept-Language": "es"}
    ).get_json()
    silence = next(t for t in listed if t["name"] == "start_silence")
    assert "el párrafo 6.b está entre corchetes" in silence["reasons"]
    assert {"code": "paragraph_bracketed", "paragraph": "6.b"} in silence["reason_codes"]
    assert client.get(f"/api/documents/{demo.id}").get_json()["state"] == "committee_review"


def test_without_the_header_the_sentences_stay_english(client, auth, demo):
    bracket_6b(auth, demo)
    response = start_silence(client, auth, demo)
    assert response.status_code == 409
    answer = response.get_json()
    assert answer["error"] == "start silence is not possible now"
    assert "paragraph 6.b is bracketed" in answer["reasons"]
    assert "Spanish text of 6.b is older than the English" in answer["reasons"]
    assert {"code": "text_older", "language": "es", "paragraph": "6.b", "others": ["en"]} in (
        answer["reason_codes"]
    )


def test_a_role_refusal_names_the_role_and_the_step(client, auth, demo):
    auth.login("iom@demo.test")
    response = start_silence(client, auth, demo, **{"Accept-Language": "es"})
    assert response.status_code == 403
    answer = response.get_json()
    assert answer["reason_codes"] == [
        {"code": "role_may_not", "role": "observer", "action": "start_silence"}
    ]
    assert "observer" not in answer["reasons"][0]
    english = start_silence(client, auth, demo).get_json()
    assert english["reasons"] == ["the observer role may not start silence"]


def test_every_reason_code_has_its_spanish_message():
    catalogue = read_po(CATALOGUE.open("rb"))
    missing = []
    for code in sorted(CODES):
        message = MESSAGES[code]
        for msgid in filter(None, (message.text, message.plural)):
            entry = catalogue.get(msgid)
            if entry is None or not entry.string or entry.fuzzy:
                missing.append((code, msgid))
    assert missing == []
