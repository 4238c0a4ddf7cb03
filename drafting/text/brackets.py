"""Square brackets mark text not yet agreed; they must balance."""

from __future__ import annotations


class UnbalancedBrackets(ValueError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


def check_balance(text: str) -> None:
    """Raise UnbalancedBrackets with the offending character position (0-based)."""
    opened: list[int] = []
    for index, char in enumerate(text):
        if char == "[":
            opened.append(index)
        elif char == "]":
            if not opened:
                raise UnbalancedBrackets(
                    f"closing bracket at position {index} has no opening", index
                )
            opened.pop()
    if opened:
        raise UnbalancedBrackets(
            f"opening bracket at position {opened[0]} is never closed", opened[0]
        )


def is_bracketed(text: str) -> bool:
    return "[" in text
