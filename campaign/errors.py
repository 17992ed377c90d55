"""Errors a user can act on. The CLI prints their message as one sentence and exits non-zero."""

from __future__ import annotations

from pathlib import Path


class CampaignError(Exception):
    """Base of every error caused by input, settings or files rather than by a bug."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None):
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        super().__init__(self.describe())

    def describe(self) -> str:
        """The message prefixed with the file and line it is about, when known."""
        if self.path is None:
            return self.message
        where = f"{self.path}" if self.line is None else f"{self.path}, line {self.line}"
        return f"{where}: {self.message}"


class InputError(CampaignError):
    """A source file is missing, unreadable or not in the expected format."""


class ConfigError(CampaignError):
    """A campaign setting or command-line option is invalid."""


class PackError(CampaignError):
    """A query pack's header, parameters, output columns or test are wrong."""


class TemplateError(CampaignError):
    """A copy template does not parse or fails to render."""
