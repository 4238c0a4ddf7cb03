"""Tracked changes: attribution through the version chain, revisions, history and restore."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.amendments import close_round, csrf_in, edit, open_round

from drafting.services.changes import _V, attribute_chain, extend

# Each delegation types words made of its own letter, so the ground truth of who typed a
# character is the character itself (spaces are shared and not checked).
LETTERS = {"TS": "t", "MX": "m", "CA": "c", "US": "u", "GT": "g", "SV": "s", "CR": "r"}
EDITORS = [code for code in LETTERS if code != "TS"]
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def words(letter: str, draw_counts: list[int]) -> list[str]:
    return [letter * n for n in draw_counts]


@st.composite
def edit_chains(draw, max_versions: int = 8):
    """A base text typed by TS and a chain of word-level edits by other delegations."""
    base = words("t", draw(st.lists(st.integers(1, 4), min_size=1, max_size=12)))
    texts: list[tuple[str, str]] = [(" ".join(base), "TS")]
    current = list(base)
    for _ in range(draw(st.integers(1, max_versions))):
        who = draw(st.sampled_from(EDITORS))
        letter = LETTERS[who]
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        at = draw(st.integers(0, len(current)))
        if kind == "insert" or not current:
            current[at:at] = words(
                letter, draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
            )
        else:
            at = min(at, len(current) - 1)
            span = draw(st.integers(1, 3))
            new = words(letter, draw(st.lists(st.integers(1, 3), max_size=2)))
            current[at : at + span] = new if kind == "replace" else []
        texts.append((" ".join(current), who))
    return texts


def chain_of(texts: list[tuple[str, str]]) -> list[_V]:
    return [
        _V(i + 1, i + 1, text, who, T0 + timedelta(minutes=i))
        for i, (text, who) in enumerate(texts)
    ]


def check_runs(runs, chain: list[_V], from_seq: int, to_seq: int) -> None:
    base = chain[from_seq - 1].text
    final = chain[to_seq - 1].text
    assert "".join(r.text for r in runs if r.op != 1) == base
    assert "".join(r.text for r in runs if r.op != -1) == final
    editors = {v.code for v in chain[from_seq:to_seq]}
    for run in runs:
        letters = set(run.text) - {" "}
        if run.op == -1:
            # Deleted text was there at `from`; whoever removed it edited after `from`.
            assert run.delegation in editors
            continue
        # Inserted and unchanged text: every letter is the letter of the delegation named.
        assert letters <= {LETTERS[run.delegation]}, (run, letters)
        when = next(v.at for v in chain if v.code == run.delegation and v.at == run.at)
        assert when is not None
        if run.op == 1:
            assert run.at > chain[from_seq - 1].at  # typed after the `from` revision


@settings(max_examples=300, deadline=None)
@given(edit_chains(), st.data())
def test_every_character_goes_to_the_delegation_that_typed_it(texts, data):
    chain = chain_of(texts)
    from_seq = data.draw(st.integers(1, len(chain)))
    to_seq = data.draw(st.integers(from_seq, len(chain)))
    check_runs(attribute_chain(chain, from_seq, to_seq), chain, from_seq, to_seq)


@settings(max_examples=200, deadline=None)
@given(edit_chains(max_versions=10), st.data())
def test_extending_a_memoised_attribution_equals_computing_it_afresh(texts, data):
    chain = chain_of(texts)
    from_seq = data.draw(st.integers(1, len(chain)))
    middle = data.draw(st.integers(from_seq, len(chain)))
    to_seq = data.draw(st.integers(middle, len(chain)))
    whole = attribute_chain(chain, from_seq, to_seq)
    step = extend(attribute_chain(chain, from_seq, middle), chain[middle:to_seq])
    assert step == whole


def test_backwards_comparison_is_a_plain_diff():
    chain = chain_of([("ttt ttt", "TS"), ("ttt mmm ttt", "MX")])
    runs = attribute_chain(chain, 2, 1)
    assert "".join(r.text for r in runs if r.op != 1) == "ttt mmm ttt"
    assert "".join(r.text for r in runs if r.op != -1) == "ttt ttt"
    assert all(r.delegation is None for r in runs)


# --------------------------------------------------------------------------------------------
# Through the database and the API
# --------------------------------------------------------------------------------------------


def _setup_paragraph(app, demo):
    """A fresh paragraph in the demo document, typed by TS, and a revision of it."""
    from drafting.extensions import db
    from drafting.models import Document, Paragraph

    document = db.session.get(Document, demo.id)
    paragraph = Paragraph(document_id=document.id, parent_id=None, position=999)
    db.session.add(paragraph)
    db.session.flush()
    return document, paragraph


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(texts=edit_chains(max_versions=6), data=st.data())
def test_changes_api_attributes_every_run(app, client, auth, demo, texts, data):
    from drafting.extensions import db
    from drafting.models import Delegation, User
    from drafting.services import revisions
    from drafting.services.paragraphs import store_version

    with app.app_context():
        document, paragraph = _setup_paragraph(app, demo)
        codes = {d.code: d.id for d in db.session.query(Delegation)}
        user = db.session.query(User).filter_by(email="secretariat@demo.test").one()
        split = data.draw(st.integers(1, len(texts)))
        label = f"T{paragraph.id}"
        for index, (text, who) in enumerate(texts, start=1):
            store_version(document, paragraph, user, "en", text, delegation_id=codes[who])
            if index == split:
                revisions.snapshot(document, label, user)
        db.session.commit()
        pid = paragraph.id
    auth.login("mexico@demo.test")
    answer = client.get(f"/api/documents/{demo.id}/changes?from={label}&lang=en").get_json()
    ops = next(p for p in answer["paragraphs"] if p["id"] == pid)["ops"]
    assert "".join(t for op, t, *_ in ops if op != 1) == texts[split - 1][0]
    assert "".join(t for op, t, *_ in ops if op != -1) == texts[-1][0]
    editors = {who for _, who in texts[split:]}
    for op, text, author, change_id in ops:
        assert (change_id is None) == (op == 0)
        if op == -1:
            assert author in editors
        else:
            assert set(text) - {" "} <= {LETTERS[author]}, (op, text, author)
    # Asked again (from the memo), the answer is the same.
    again = client.get(f"/api/documents/{demo.id}/changes?from={label}&lang=en").get_json()
    assert again == answer


def test_changes_defaults_and_errors(client, auth, demo):
    auth.login("mexico@demo.test")
    answer = client.get(f"/api/documents/{demo.id}/changes").get_json()
    assert answer["from"] == "Draft" and answer["to"] == "current"
    assert all(p["ops"][0][0] == 0 for p in answer["paragraphs"] if p["ops"])
    assert all(author == "TS" for p in answer["paragraphs"] for _, _, author, *_ in p["ops"])
    assert client.get(f"/api/documents/{demo.id}/changes?from=Rev.9").status_code == 404
    assert client.get(f"/api/documents/{demo.id}/changes?lang=fr").status_code == 400
    assert client.get(f"/api/documents/{demo.id}/changes?from=current").status_code == 400
    spanish = client.get(f"/api/documents/{demo.id}/changes?lang=es").get_json()
    assert spanish["lang"] == "es"
    assert "Agradecer" in "".join(t for p in spanish["paragraphs"] for _, t, _, *_ in p["ops"])


def test_changes_between_two_revisions(client, auth, demo):

    auth.login("elsalvador@demo.test")
    original = demo.paragraph("2.a")["text"]["en"]
    edit(auth, demo, "elsalvador@demo.test", "2.a", original.replace("To thank", "To warmly thank"))
    open_round(auth, demo)  # Rev.1 holds the committee's edit
    close_round(auth, demo)
    sincerely = original.replace("To thank", "To sincerely thank")
    edit(auth, demo, "costarica@demo.test", "2.a", sincerely)
    first = client.get(f"/api/documents/{demo.id}/changes?from=Draft&to=Rev.1").get_json()
    ops = next(p for p in first["paragraphs"] if p["number"] == "2.a")["ops"]
    assert [1, "warmly ", "SV"] in [op[:3] for op in ops]
    later = client.get(f"/api/documents/{demo.id}/changes?from=Rev.1").get_json()
    ops = next(p for p in later["paragraphs"] if p["number"] == "2.a")["ops"]
    assert "".join(t for op, t, a, *_ in ops if op == -1 and a == "CR") == "warm"
    assert "".join(t for op, t, a, *_ in ops if op == 1 and a == "CR") == "sincere"
    assert [0, "ly ", "SV"] in [
        op[:3] for op in ops
    ]  # the part of SV's word that CR's wording kept


def test_history_and_restore(client, auth, demo):

    auth.login("elsalvador@demo.test")
    paragraph = demo.paragraph("2.a")
    original = paragraph["text"]["en"]
    edit(auth, demo, "elsalvador@demo.test", "2.a", original + " Again.")
    url = f"/api/documents/{demo.id}/paragraphs/{paragraph['id']}"
    history = client.get(f"{url}/versions?lang=en").get_json()
    assert [h["version"] for h in history] == [1, 2]
    assert history[1]["ops"][-1] == [1, " Again."]
    assert history[1]["delegation"] == "SV"
    # Delegates may not restore; the committee restores as a new version.
    auth.login("mexico@demo.test")
    assert auth.post(f"{url}/restore", {"lang": "en", "version": 1}).status_code == 403
    auth.login("costarica@demo.test")
    restored = auth.post(f"{url}/restore", {"lang": "en", "version": 1})
    assert restored.status_code == 201
    assert restored.get_json() == {"version": 3, "source": "revert", "text": original}
    assert auth.post(f"{url}/restore", {"lang": "en", "version": 1}).status_code == 409
    assert auth.post(f"{url}/restore", {"lang": "en", "version": 9}).status_code == 404
    assert auth.post(f"{url}/restore", {"lang": "en", "version": "1"}).status_code == 400
    history = client.get(f"{url}/versions?lang=en").get_json()
    assert [h["source"] for h in history] == ["import", "edit", "revert"]
    assert demo.paragraph("2.a")["text"]["en"] == original


def test_history_page_has_restore_buttons(client, auth, demo):

    auth.login("elsalvador@demo.test")
    paragraph = demo.paragraph("2.a")
    edit(auth, demo, "elsalvador@demo.test", "2.a", paragraph["text"]["en"] + " Again.")
    page = client.get(f"/documents/{demo.id}/paragraphs/{paragraph['id']}/history")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-restore="1"' in html and 'data-restore="2"' not in html  # 2 is current
    response = client.post(
        f"/documents/{demo.id}/paragraphs/{paragraph['id']}/restore",
        data={"lang": "en", "version": "1", "csrf_token": csrf_in(html)},
    )
    assert response.status_code == 302
    assert demo.paragraph("2.a")["text"]["en"] == paragraph["text"]["en"]


def test_tracked_changes_and_compare_pages(client, auth, demo):

    auth.login("elsalvador@demo.test")
    original = demo.paragraph("2.a")["text"]["en"]
    edit(auth, demo, "elsalvador@demo.test", "2.a", original.replace("To thank", "To warmly thank"))
    html = client.get(f"/documents/{demo.id}/changes?from=Draft").get_data(as_text=True)
    assert '<ins class="chg"' in html and 'data-author="SV"' in html
    assert "Inserted by El Salvador (SV)" in html
    html = client.get(f"/documents/{demo.id}/compare?a=Draft&b=current").get_data(as_text=True)
    assert "warmly" in html and 'class="cleft"' in html
    assert client.get(f"/documents/{demo.id}/changes?from=Nope").status_code == 404
    document_page = client.get(f"/documents/{demo.id}").get_data(as_text=True)
    assert "Show changes since" in document_page
