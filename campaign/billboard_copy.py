"""Copy ready to render: the text of a billboard with the spans a designer would emphasise."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BillboardCopy:
    """One billboard's words in one locale.

    `emphasis` holds (start, end) character ranges of `headline` (end exclusive) to draw in the
    theme's accent colour: the number and the title, as the copy template marked them.
    """

    headline: str
    signoff: str
    locale: str
    emphasis: tuple[tuple[int, int], ...] = field(default_factory=tuple)
    variant: str = ""

    def emphasised(self) -> list[str]:
        return [self.headline[a:b] for a, b in self.emphasis]
