"""Display numbers computed from the paragraph tree: 1. / a. / i. and PP1 for the preamble.

Closing paragraphs ("Adopted in Panama City, ...") are unnumbered: they read as CP1, CP2
and take no place in the count of the operative paragraphs around them.

Numbers are never stored: inserting or deleting a paragraph renumbers the rest, and the
same function applied to a revision's tree gives "former 6 b".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

ROMAN = [
    (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
    (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
]  # fmt: skip


@dataclass(frozen=True)
class Node:
    id: int
    parent_id: int | None
    position: int
    section: str
    deleted: bool = False


@dataclass(frozen=True)
class Number:
    number: str  # full dotted path: "6.b.ii", "PP1"
    label: str  # as printed: "ii.", "" for preambular paragraphs
    depth: int


def roman(n: int) -> str:
    out = []
    for value, letters in ROMAN:
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out)


def letters(n: int) -> str:
    """a..z, then aa, bb, ... as in UN documents."""
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def label_for(depth: int, n: int) -> str:
    if depth == 1:
        return str(n)
    if depth == 2:
        return letters(n)
    if depth == 3:
        return roman(n)
    return letters(n).upper()


def reading_order(nodes: Iterable[Node]) -> list[Node]:
    """Depth-first order, preamble first, siblings by position then id."""
    children: dict[int | None, list[Node]] = defaultdict(list)
    for node in nodes:
        children[node.parent_id].append(node)
    for siblings in children.values():
        siblings.sort(key=lambda n: (n.section != "preamble", n.position, n.id))
    ordered: list[Node] = []

    def walk(parent: int | None) -> None:
        for node in children.get(parent, []):
            ordered.append(node)
            walk(node.id)

    walk(None)
    return ordered


def number_tree(nodes: Iterable[Node]) -> dict[int, Number]:
    """Numbers for every node that is not deleted (deleted ones, and their children, get none)."""
    ordered = reading_order(nodes)
    numbers: dict[int, Number] = {}
    counters: dict[int | None, int] = defaultdict(int)
    unnumbered = {"preamble": 0, "closing": 0}
    for node in ordered:
        if node.deleted or (node.parent_id is not None and node.parent_id not in numbers):
            continue
        if node.section in unnumbered and node.parent_id is None:
            unnumbered[node.section] += 1
            prefix = "PP" if node.section == "preamble" else "CP"
            numbers[node.id] = Number(f"{prefix}{unnumbered[node.section]}", "", 1)
            continue
        counters[node.parent_id] += 1
        parent = numbers.get(node.parent_id) if node.parent_id is not None else None
        depth = parent.depth + 1 if parent else 1
        label = label_for(depth, counters[node.parent_id])
        number = f"{parent.number}.{label}" if parent else label
        numbers[node.id] = Number(number, f"{label}.", depth)
    return numbers


def spoken(number: str) -> str:
    """'6.b.ii' -> '6 b ii', the way delegates refer to paragraphs."""
    return number.replace(".", " ")
