"""TODO."""

from __future__ import annotations

from campaign.errors import InputError
from campaign.ingest.engine import Context, Source, Stage


def stages(src: Source, ctx: Context, dialect: str) -> list[Stage]:
    raise InputError("this format is not supported yet", src.path)
