"""A card of the story: the facts it states, the SQL they came from, and how they were counted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Card:
    """One card. `facts` is what the copy may state; nothing in it identifies the listener."""

    kind: str  # the copy macro and the image's name
    facts: dict[str, Any]
    sql: str  # the query behind the facts, runnable over `my_plays` (or the pack's workspace)
    params: dict[str, Any]
    counted: str  # how the facts were counted: a key of the templates' `counted` macro
    source: str = "cards"  # "cards", or the pack that found it
    surprise: float | None = None  # anomalies only: how unlikely, in [0, 1]
    copy: dict[str, str] = field(default_factory=dict)  # headline, body, counted (copy.py)
    image: str | None = None  # cards/NN-kind.png, once drawn

    def record(self) -> dict[str, Any]:
        """The card as wrapped.json holds it."""
        return {
            "kind": self.kind,
            "source": self.source,
            "surprise": None if self.surprise is None else round(self.surprise, 4),
            "copy": self.copy,
            "facts": self.facts,
            "counted": self.counted,
            "sql": self.sql,
            "params": self.params,
            "image": self.image,
        }
