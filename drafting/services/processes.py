"""The secretariat's desk: processes (settings, archive), their participants and the
presidency (PPT) that rotates between member states."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import select

from drafting import clock
from drafting.extensions import db
from drafting.models import Delegation, Membership, Process, User
from drafting.models.base import MAX_ID
from drafting.models.people import DelegationKind, Role
from drafting.services import audit, people
from drafting.services.errors import BadInput, Conflict, NotFound

PUBLIC_RECORDS = ("text", "full")
LANGUAGE = re.compile(r"^[a-z]{2}$")
CODE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


def _text(data: dict[str, Any], key: str, limit: int, *, required: bool) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise BadInput(f"{key} is required")
        return None
    if not isinstance(value, str):
        raise BadInput(f"{key} must be a string")
    value = value.strip()
    if required and not value:
        raise BadInput(f"{key} is required")
    if len(value) > limit:
        raise BadInput(f"{key} is longer than {limit} characters")
    return value


def _settings(data: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """The process fields present in `data`, checked; anything wrong is a 400 before any
    change."""
    found: dict[str, Any] = {}
    for key, limit in (("name", 200), ("acronym", 40), ("description", 2000)):
        value = _text(data, key, limit, required=creating and key == "name")
        if value is not None:
            if key == "name" and not value:
                raise BadInput("name is required")
            found[key] = value
    if "timezone" in data or creating:
        zone = data.get("timezone", "America/Panama")
        if not isinstance(zone, str) or zone not in available_timezones():
            raise BadInput("timezone must be an IANA time zone such as America/Panama")
        found["timezone"] = zone
    if "languages" in data or creating:
        languages = data.get("languages", ["en", "es"])
        if (
            not isinstance(languages, list)
            or not languages
            or not all(isinstance(lang, str) and LANGUAGE.match(lang) for lang in languages)
            or len(set(languages)) != len(languages)
        ):
            raise BadInput('languages must be a list of two-letter codes, e.g. ["en", "es"]')
        found["languages"] = languages
    if "public_record" in data or creating:
        record = data.get("public_record") or "text"
        if record not in PUBLIC_RECORDS:
            raise BadInput('public_record must be "text" or "full"')
        found["public_record"] = record
    if "rationale_required" in data or creating:
        required = data.get("rationale_required", True)
        if not isinstance(required, bool):
            raise BadInput("rationale_required must be true or false")
        found["rationale_required"] = required
    if "allow_suggestions" in data:
        if not isinstance(data["allow_suggestions"], bool):
            raise BadInput("allow_suggestions must be true or false")
        found["allow_suggestions"] = data["allow_suggestions"]
    if "head_signoff" in data or creating:
        signoff = data.get("head_signoff", False)
        if not isinstance(signoff, bool):
            raise BadInput("head_signoff must be true or false")
        found["head_signoff"] = signoff
    if "archived" in data:
        if not isinstance(data["archived"], bool):
            raise BadInput("archived must be true or false")
        found["archived_at"] = clock.now() if data["archived"] else None
    return found


def create(creator: User, data: dict[str, Any]) -> Process:
    """A new process; its creator becomes its secretariat, so they can run it."""
    process = Process(**_settings(data, creating=True))
    db.session.add(process)
    db.session.flush()
    people.add_member(creator, process, Role.SECRETARIAT)
    return process


def update(process: Process, data: dict[str, Any]) -> Process:
    """Change the settings sent (archiving included: `archived: true`)."""
    for key, value in _settings(data, creating=False).items():
        if key == "archived_at" and value is not None and process.archived_at is not None:
            continue  # archived already: keep the first date
        setattr(process, key, value)
    db.session.flush()
    return process


def listing(user: User) -> list[Process]:
    """The processes a person may run from the desk: all for an administrator."""
    query = select(Process).order_by(Process.archived_at.is_not(None), Process.id)
    if not user.is_admin:
        query = query.where(
            Process.id.in_(
                select(Membership.process_id).where(
                    Membership.user_id == user.id, Membership.role == Role.SECRETARIAT
                )
            )
        )
    return list(db.session.scalars(query))


def get(process_id: int) -> Process:
    process = db.session.get(Process, process_id) if 0 < process_id <= MAX_ID else None
    if process is None:
        raise NotFound("process not found")
    return process


@dataclass(frozen=True)
class Participant:
    user: User
    membership: Membership

    def as_json(self) -> dict[str, Any]:
        return {
            "user_id": self.user.id,
            "email": self.user.email,
            "name": self.user.name,
            "delegation": self.user.delegation.code,
            "role": self.membership.role.value,
            "head": self.membership.head,
            "invited": not self.user.password_hash,
        }


def participants(process: Process) -> list[Participant]:
    rows = db.session.execute(
        select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .join(Delegation, Delegation.id == User.delegation_id)
        .where(Membership.process_id == process.id)
        .order_by(Delegation.code, Membership.head.desc(), User.name)
    )
    return [Participant(user, membership) for user, membership in rows]


def _role(value: object) -> Role:
    try:
        return Role(value)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise BadInput(f"role must be one of {choices}") from None


def _head(data: dict[str, Any]) -> bool | None:
    value = data.get("head")
    if value is not None and not isinstance(value, bool):
        raise BadInput("head must be true or false")
    return value


def _delegation(value: object) -> Delegation:
    """An existing delegation's code, or {code, name, kind} for a new one."""
    if isinstance(value, str):
        found = db.session.scalar(select(Delegation).where(Delegation.code == value.strip()))
        if found is None:
            raise BadInput(f"no delegation {value}; send {{code, name, kind}} to create it")
        return found
    if not isinstance(value, dict):
        raise BadInput("delegation must be a code or {code, name, kind}")
    code = _text(value, "code", 16, required=True) or ""
    name = _text(value, "name", 200, required=True) or ""
    if not CODE.match(code):
        raise BadInput("a delegation code is letters, digits, - or _ (at most 16)")
    try:
        kind = DelegationKind(value.get("kind"))
    except ValueError:
        choices = ", ".join(k.value for k in DelegationKind)
        raise BadInput(f"delegation kind must be one of {choices}") from None
    return people.delegation(code, name, kind)


def _check_ppt(process: Process, user: User, role: Role) -> None:
    """One PPT at a time: the role goes only to the delegation holding the presidency (or
    to a member state when nobody does); moving it is the hand-over's job."""
    if role != Role.PPT:
        return
    if user.delegation.kind != DelegationKind.MEMBER_STATE:
        raise BadInput("only a member state's people can hold the PPT")
    holder = people.presidency_of(process.id)
    if holder is not None and holder != user.delegation_id:
        raise Conflict(
            "another delegation holds the PPT; hand the presidency over instead",
            reasons=["one PPT at a time"],
        )


def add(process: Process, data: dict[str, Any]) -> tuple[User, bool]:
    """Add a person by e-mail (a new account if needed); True when they have no password
    yet, so the caller mails an invitation after the commit."""
    email = (_text(data, "email", 254, required=True) or "").lower()
    role = _role(data.get("role"))
    head = bool(_head(data))
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        name = _text(data, "name", 200, required=True) or ""
        user = people.create_user(email, name, None, _delegation(data.get("delegation")))
    elif data.get("delegation") is not None:
        wanted = data["delegation"]
        code = wanted.get("code") if isinstance(wanted, dict) else wanted
        if code != user.delegation.code:
            raise Conflict(f"{email} already belongs to the delegation {user.delegation.code}")
    if db.session.scalar(
        select(Membership.id).where(
            Membership.process_id == process.id, Membership.user_id == user.id
        )
    ):
        raise Conflict(f"{email} already takes part in this process")
    _check_ppt(process, user, role)
    membership = people.add_member(user, process, role)
    membership.head = head
    return user, not user.password_hash


def member(process: Process, user_id: int) -> User:
    user = db.session.get(User, user_id) if 0 < user_id <= MAX_ID else None
    if user is None:
        raise NotFound("this person does not take part in this process")
    return user


def _last_secretariat(process: Process, user: User) -> bool:
    others = db.session.scalar(
        select(Membership.id)
        .where(
            Membership.process_id == process.id,
            Membership.role == Role.SECRETARIAT,
            Membership.user_id != user.id,
        )
        .limit(1)
    )
    return others is None and people.role_of(process, user) == Role.SECRETARIAT


def change(process: Process, user: User, data: dict[str, Any]) -> Membership:
    """A new role and/or head mark; a new role takes effect on the person's sockets at once."""
    head = _head(data)
    role = _role(data["role"]) if data.get("role") is not None else None
    if role is None and head is None:
        raise BadInput("send role and/or head")
    if role is not None and role != Role.SECRETARIAT and _last_secretariat(process, user):
        raise Conflict("the process needs at least one secretariat officer")
    if role is not None:
        _check_ppt(process, user, role)
        membership = people.set_role(process, user, role)
    else:
        membership = people.membership(process, user)
    if head is not None:
        membership.head = head
    db.session.flush()
    return membership


def remove(process: Process, user: User) -> None:
    """Take a person off the process; their sockets are cut on commit."""
    if _last_secretariat(process, user):
        raise Conflict("the process needs at least one secretariat officer")
    people.remove_member(process, user)


def hand_over(process: Process, code: object, by: User) -> Delegation:
    """Move the PPT to another member state: the former PPT's people become delegates, the
    new delegation's people become PPT. One audit entry for the process (no document:
    adopted documents' chains are sealed, and the step belongs to the process)."""
    if not isinstance(code, str) or not code.strip():
        raise BadInput("delegation (a member state's code) is required")
    new = db.session.scalar(select(Delegation).where(Delegation.code == code.strip()))
    if new is None:
        raise NotFound(f"no delegation {code}")
    if new.kind != DelegationKind.MEMBER_STATE:
        raise BadInput("the PPT goes to a member state")
    old_id = people.presidency_of(process.id)
    if old_id == new.id:
        raise Conflict(f"{new.code} already holds the PPT")
    rows = participants(process)
    incoming = [
        p for p in rows if p.user.delegation_id == new.id and p.membership.role != Role.OBSERVER
    ]
    if not incoming:
        raise Conflict(f"{new.code} has nobody in this process to take the PPT")
    for p in rows:
        if p.membership.role == Role.PPT:
            people.set_role(process, p.user, Role.DELEGATE)
    for p in incoming:
        people.set_role(process, p.user, Role.PPT)
    old = db.session.get(Delegation, old_id) if old_id else None
    audit.record(
        "presidency_handed_over",
        process=process,
        user=by,
        from_delegation=old.code if old else None,
        to_delegation=new.code,
    )
    return new
