"""The RCM demo: its delegations, accounts, drafting committee and the 2018 conclusions."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from drafting.demo.gcm_tags import tag_demo
from drafting.extensions import db
from drafting.models import Document, Process
from drafting.models.people import DelegationKind, Role
from drafting.services import people
from drafting.services.importing import create_document
from drafting.services.workflow import transition
from drafting.text.parsing import parse_text

PASSWORD = "demo-password"
FIXTURE = "rcgm-2018-07-conclusions.txt"
SPANISH = "rcgm-2018-07-conclusiones.txt"

MEMBER_STATE = DelegationKind.MEMBER_STATE
# (code, name, Spanish name, kind, login, role)
ACCOUNTS = [
    (
        "TS",
        "Technical Secretariat",
        "Secretaría Técnica",
        DelegationKind.SECRETARIAT,
        "secretariat",
        Role.SECRETARIAT,
    ),
    ("PA", "Panama", "Panamá", MEMBER_STATE, "panama", Role.PPT),
    ("SV", "El Salvador", "El Salvador", MEMBER_STATE, "elsalvador", Role.COMMITTEE),
    ("CR", "Costa Rica", "Costa Rica", MEMBER_STATE, "costarica", Role.COMMITTEE),
    ("MX", "Mexico", "México", MEMBER_STATE, "mexico", Role.DELEGATE),
    ("CA", "Canada", "Canadá", MEMBER_STATE, "canada", Role.DELEGATE),
    ("US", "United States", "Estados Unidos", MEMBER_STATE, "usa", Role.DELEGATE),
    ("GT", "Guatemala", "Guatemala", MEMBER_STATE, "guatemala", Role.DELEGATE),
    ("BZ", "Belize", "Belice", MEMBER_STATE, "belize", Role.DELEGATE),
    ("HN", "Honduras", "Honduras", MEMBER_STATE, "honduras", Role.DELEGATE),
    ("NI", "Nicaragua", "Nicaragua", MEMBER_STATE, "nicaragua", Role.DELEGATE),
    (
        "DO",
        "Dominican Republic",
        "República Dominicana",
        MEMBER_STATE,
        "dominicanrepublic",
        Role.DELEGATE,
    ),
    (
        "IOM",
        "International Organization for Migration",
        "Organización Internacional para las Migraciones",
        DelegationKind.OBSERVER,
        "iom",
        Role.OBSERVER,
    ),
    (
        "UNHCR",
        "UN Refugee Agency",
        "Alto Comisionado de las Naciones Unidas para los Refugiados",
        DelegationKind.OBSERVER,
        "unhcr",
        Role.OBSERVER,
    ),
]


def fixture_text(name: str) -> str:
    """The English fixture from shared/ when present (it is the reference), else the copy
    shipped with the package."""
    for folder in (Path.cwd().parent / "shared" / "fixtures", Path.cwd() / "shared" / "fixtures"):
        if (folder / name).exists():
            return (folder / name).read_text(encoding="utf-8")
    return resources.files("drafting.demo").joinpath(name).read_text(encoding="utf-8")


def logins() -> list[tuple[str, str, str]]:
    """(email, delegation, role) for the banner printed at start."""
    return [(f"{login}@demo.test", name, role.value) for _, name, _, _, login, role in ACCOUNTS]


def reset() -> None:
    """Drop every table and recreate them, then load the demo."""
    db.drop_all()
    db.create_all()


def load() -> Document:
    """Create the RCM process, accounts and the imported conclusions in committee review."""
    process = Process(
        name="Regional Conference on Migration",
        acronym="RCM",
        timezone="America/Panama",
        description="Regional Consultation Group on Migration: conclusions of the July 2018 "
        "meeting, finalised by the drafting committee (El Salvador, Costa Rica, Panama).",
    )
    db.session.add(process)
    db.session.flush()
    users = {}
    for code, name, name_es, kind, login, role in ACCOUNTS:
        delegation = people.delegation(code, name, kind, name_es)
        user = people.create_user(
            f"{login}@demo.test",
            f"{name} delegate" if role == Role.DELEGATE else name,
            PASSWORD,
            delegation,
        )
        people.add_member(user, process, role)
        users[login] = user
    english = parse_text(fixture_text(FIXTURE))
    spanish = parse_text(resources.files("drafting.demo").joinpath(SPANISH).read_text("utf-8"))
    document = create_document(
        process,
        users["secretariat"],
        english,
        title="Conclusions of the Meeting of the Regional Consultation Group on Migration, "
        "Panama City, 19-20 July 2018",
        title_es="Conclusiones de la Reunión del Grupo Regional de Consulta sobre Migración, "
        "Ciudad de Panamá, 19-20 de julio de 2018",
        kind="conclusions",
        workflow="online_rounds",
        languages=["en", "es"],
        translations={"es": spanish},
        symbol="RCM/RCGM/2018/07",
    )
    tag_demo(document)
    transition(
        users["secretariat"],
        document,
        "submit",
        reason="demo: draft submitted to the drafting committee",
    )
    db.session.commit()
    return document
