"""Tamper evidence: recompute the audit chain and the adopted text's SHA-256."""

from __future__ import annotations

from drafting.models import Document
from drafting.services.audit import verify_chain
from drafting.services.canonical import sha256_of


def verify(document: Document) -> list[str]:
    problems = verify_chain(document.id)
    if document.is_adopted:
        actual = sha256_of(document)
        if actual != document.sha256:
            problems.append(f"adopted text SHA-256 is {actual}, recorded {document.sha256}")
    return problems
