"""The audit log page: newest first, filtered by person, delegation, action or paragraph,
a page at a time, each paragraph's entries naming it, actions in the reader's language."""

from __future__ import annotations

import re

from support.amendments import edit, file
from support.roles import ACCOUNTS, COM, DEL, PPT


def audit_page(client, demo, **query) -> str:
    response = client.get(f"/documents/{demo.id}/audit", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def entry_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="e-(\d+)"', html)]


def test_the_log_is_newest_first_and_edits_name_their_paragraph(client, auth, demo):
    edit(auth, demo, ACCOUNTS[PPT], "8.a", "Decline the proposal, for now.")
    html = audit_page(client, demo)
    ids = entry_ids(html)
    assert ids == sorted(ids, reverse=True) and len(ids) >= 3
    newest = html[html.index(f'id="e-{ids[0]}"') :].split("</tr>")[0]
    assert "text edited" in newest and "paragraph 8.a" in newest and "(EN)" in newest
    assert f"#p-{demo.paragraph('8.a')['id']}" in newest
    spanish = audit_page(client, demo, lang="es")
    assert "texto editado" in spanish and "párrafo 8.a" in spanish


def test_the_filters_narrow_the_log(client, auth, demo):
    edit(auth, demo, ACCOUNTS[PPT], "8.a", "Decline the proposal, for now.")
    file(auth, demo, ACCOUNTS[DEL], "8.b", "A new 8.b.")
    file(auth, demo, ACCOUNTS[DEL], "8.a", "A new 8.a.")
    mexico = demo.user(ACCOUNTS[DEL])
    by_person = audit_page(client, demo, person=mexico.id)
    assert len(entry_ids(by_person)) == 2 and "amendment filed" in by_person
    by_delegation = audit_page(client, demo, delegation=mexico.delegation_id)
    assert entry_ids(by_delegation) == entry_ids(by_person)
    by_action = audit_page(client, demo, action="edit")
    assert len(entry_ids(by_action)) == 1
    by_paragraph = audit_page(client, demo, paragraph="8.a")
    assert len(entry_ids(by_paragraph)) == 2
    both = audit_page(client, demo, paragraph="8.a", action="amendment_filed")
    assert len(entry_ids(both)) == 1
    assert "No entry matches" in audit_page(client, demo, paragraph="99.z")
    assert len(entry_ids(audit_page(client, demo, person="nobody"))) >= 4  # ignored


def test_the_log_is_paged(client, auth, demo):
    for n in range(52):
        edit(auth, demo, ACCOUNTS[COM] if n % 2 else ACCOUNTS[PPT], "8.a", f"Wording {n}.")
    first = audit_page(client, demo)
    assert len(entry_ids(first)) == 50 and "Page 1 of 2" in first and 'rel="next"' in first
    second = audit_page(client, demo, page=2)
    assert entry_ids(second) and max(entry_ids(second)) < min(entry_ids(first))
    assert 'rel="prev"' in second
    filtered = audit_page(client, demo, action="edit", page=2)
    assert "page=1" in filtered and "action=edit" in filtered
    assert entry_ids(audit_page(client, demo, page=99)) == entry_ids(second)  # the last page
