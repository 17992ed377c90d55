"""The named outdoor and screen formats a billboard is drawn in: pixel size and safe area."""

from __future__ import annotations

from dataclasses import dataclass

from campaign.errors import ConfigError

Box = tuple[int, int, int, int]
MM_PER_INCH = 25.4
SCREEN_DPI = 72.0


@dataclass(frozen=True)
class Format:
    """A print or screen format: its pixel size, safe-area margin (share of the short side) and,
    for print, its physical size, from which the DPI a print vendor reads from the file follows."""

    name: str
    width: int
    height: int
    margin: float = 0.07
    physical_mm: tuple[float, float] | None = None  # print size; None for a screen

    @property
    def dpi(self) -> float:
        """Pixels per inch at full physical size (print), or the screen convention of 72."""
        if self.physical_mm is None:
            return SCREEN_DPI
        return round(self.width / (self.physical_mm[0] / MM_PER_INCH), 2)

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
        Format("48-sheet", 6000, 3000, physical_mm=(6096, 3048)),  # 25 dpi at full size
        Format("6-sheet", 2400, 3600, physical_mm=(1200, 1800)),  # 50.8 dpi at full size
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
