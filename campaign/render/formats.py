"""The named outdoor and screen formats a billboard is drawn in: pixel size and safe area."""

from __future__ import annotations

from dataclasses import dataclass

from campaign.errors import ConfigError

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Format:
    """A print or screen format: its pixel size and safe-area margin (share of the short side)."""

    name: str
    width: int
    height: int
    margin: float = 0.07

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    @property
    def safe_box(self) -> Box:
        """The area text may occupy: inset equally on all sides, as a poster designer would."""
        inset = round(min(self.width, self.height) * self.margin)
        return inset, inset, self.width - inset, self.height - inset


BILLBOARD_FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("48-sheet", 6000, 3000),
        Format("6-sheet", 2400, 3600),
        Format("dooh-landscape", 1920, 1080),
        Format("dooh-portrait", 1080, 1920),
        Format("square", 1080, 1080),
    )
}


def get_format(fmt: str | Format) -> Format:
    """A Format by name; an unknown name is a ConfigError listing the known ones."""
    if isinstance(fmt, Format):
        return fmt
    try:
        return BILLBOARD_FORMATS[fmt]
    except KeyError:
        known = ", ".join(BILLBOARD_FORMATS)
        raise ConfigError(f"unknown billboard format '{fmt}' (known formats: {known})") from None
