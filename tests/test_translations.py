"""Languages in step: a translation follows the source-language text it was written against.

The document's first language is the source. A translation is pending while the source
reads differently from the text that translation was written against (compared by content),
so translating in several saves never flags the source, and restoring the source a
translation was made from puts it back in step.
"""

from __future__ import annotations

from datetime import timedelta, timezone

from support.amendments import close_round, decide, edit, file, open_round

from drafting import clock

COMMITTEE = "elsalvador@demo.test"
PPT = "panama@demo.test"


def silence_deadline() -> str:
    moment = clock.now() + timedelta(hours=2)
    return moment.astimezone(timezone(timedelta(hours=-6))).isoformat(timespec="seconds")


def start_silence(auth, demo):
    auth.login(PPT)
    return auth.post(
        f"/api/documents/{demo.id}/transitions/start_silence",
        json={"deadline": silence_deadline()},
    )


def restore(auth, demo, number: str, lang: str, seq: int):
    auth.login(COMMITTEE)
    paragraph = demo.paragraph(number)
    response = auth.post(
        f"/api/documents/{demo.id}/paragraphs/{paragraph['id']}/restore",
        {"lang": lang, "version": seq},
    )
    assert response.status_code == 201, response.get_json()


def test_translating_in_several_saves_never_flags_the_english(auth, demo):
    auth.login(COMMITTEE)
    original = demo.paragraph("4.a")
    edit(auth, demo, COMMITTEE, "4.a", original["text"]["en"] + " Every year.")
    assert demo.paragraph("4.a")["translation_pending"] == ["es"]
    # the translator types in batches, as the live editor sends them
    spanish = original["text"]["es"]
    edit(auth, demo, COMMITTEE, "4.a", spanish + " Cada", lang="es")
    assert demo.paragraph("4.a")["translation_pending"] == []
    edit(auth, demo, COMMITTEE, "4.a", spanish + " Cada año.", lang="es")
    assert demo.paragraph("4.a")["translation_pending"] == []
    started = start_silence(auth, demo)
    assert started.status_code == 200, started.get_json()


def test_restoring_the_english_the_spanish_was_written_against_clears_the_flag(auth, demo):
    auth.login(COMMITTEE)
    original = demo.paragraph("4.a")
    edit(auth, demo, COMMITTEE, "4.a", original["text"]["en"] + " Every year.")
    assert demo.paragraph("4.a")["translation_pending"] == ["es"]
    restore(auth, demo, "4.a", "en", original["version"]["en"])
    after = demo.paragraph("4.a")
    assert after["text"]["en"] == original["text"]["en"]
    assert after["version"]["en"] == original["version"]["en"] + 2
    assert after["translation_pending"] == []
    assert start_silence(auth, demo).status_code == 200


def test_a_translation_made_for_the_changed_english_is_pending_after_restoring(auth, demo):
    auth.login(COMMITTEE)
    original = demo.paragraph("4.a")
    edit(auth, demo, COMMITTEE, "4.a", original["text"]["en"] + " Every year.")
    edit(auth, demo, COMMITTEE, "4.a", original["text"]["es"] + " Cada año.", lang="es")
    assert demo.paragraph("4.a")["translation_pending"] == []
    restore(auth, demo, "4.a", "en", original["version"]["en"])
    assert demo.paragraph("4.a")["translation_pending"] == ["es"]
    blocked = start_silence(auth, demo)
    assert blocked.status_code == 409
    assert blocked.get_json()["reasons"] == ["Spanish text of 4.a is older than the English"]
    # restoring the Spanish it was translated from brings the two back in step
    restore(auth, demo, "4.a", "es", original["version"]["es"])
    assert demo.paragraph("4.a")["translation_pending"] == []


def test_a_restored_translation_keeps_the_english_it_was_written_against(auth, demo):
    auth.login(COMMITTEE)
    original = demo.paragraph("4.a")
    edit(auth, demo, COMMITTEE, "4.a", original["text"]["en"] + " Every year.")
    edit(auth, demo, COMMITTEE, "4.a", original["text"]["es"] + " Cada año.", lang="es")
    restore(auth, demo, "4.a", "es", original["version"]["es"])
    assert demo.paragraph("4.a")["translation_pending"] == ["es"]


def test_a_spanish_change_alone_leaves_the_english_in_step(auth, demo):
    auth.login(COMMITTEE)
    spanish = demo.paragraph("4.a")["text"]["es"]
    edit(auth, demo, COMMITTEE, "4.a", spanish + " (corregido)", lang="es")
    assert demo.paragraph("4.a")["translation_pending"] == []
    assert start_silence(auth, demo).status_code == 200


def test_an_amendment_in_both_languages_is_adopted_in_step(auth, demo):
    auth.login(COMMITTEE)
    eight_a = demo.paragraph("8.a")
    open_round(auth, demo)
    filed = file(
        auth,
        demo,
        "mexico@demo.test",
        "8.a",
        eight_a["text"]["en"] + " (revised)",
        texts={"es": eight_a["text"]["es"] + " (revisado)"},
        rationale="Both languages.",
    )
    assert filed.status_code == 201, filed.get_json()
    close_round(auth, demo)
    assert decide(auth, filed.get_json()["id"], decision="accept").status_code == 200
    assert demo.paragraph("8.a")["translation_pending"] == []


def test_an_amendment_in_english_only_leaves_the_spanish_pending(auth, demo):
    auth.login(COMMITTEE)
    eight_a = demo.paragraph("8.a")
    open_round(auth, demo)
    filed = file(auth, demo, "mexico@demo.test", "8.a", eight_a["text"]["en"] + " (revised)")
    assert filed.status_code == 201, filed.get_json()
    close_round(auth, demo)
    assert decide(auth, filed.get_json()["id"], decision="accept").status_code == 200
    assert demo.paragraph("8.a")["translation_pending"] == ["es"]
