"""The copy stage: facts into billboard lines, from Jinja templates that marketers edit.

Templates live in `templates/copy/<family>/<locale>.j2` (the campaign's own folder first, then the
built-in one). They render in a sandbox. A template's output holds one or more variants:

    ## dear
    Dear {{ value|number|em }} {{ plural(value, "person", "people") }} who streamed …,
    -- Hang in there.

Each `## name` line opens a variant; the lines up to the first `-- ` line are the headline (white
space folded), each `-- ` line is one possible sign-off. `|em` marks a span to emphasise.
A variant named `respectful` is kept for facts whose tone asks for it (a death, a tragedy) and
offered for no other fact. The template's literal text is set typographically for its locale as
it loads (campaign/typography.py); the values it inserts are left as they are.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2.sandbox import SandboxedEnvironment

from campaign.billboard_copy import BillboardCopy
from campaign.errors import TemplateError
from campaign.events import RESPECTFUL, Event, french_de
from campaign.facts import Fact
from campaign.grammar import contract, german_on
from campaign.locales import language_key
from campaign.resources import template_search_path
from campaign.typography import (
    CopyTypography,
    bind_last_words,
    bind_numbers,
    literal_text,
    parse_locale,
    quote,
)

EM_OPEN, EM_CLOSE = "\ue000", "\ue001"
# Only ordinary white space folds: no-break spaces inside numbers (3 749) must survive.
_ORDINARY_SPACE = re.compile(r"[ \t\r\n]+")
_VARIANT = re.compile(r"^##\s*(\S+)\s*$")
# Catalogue clutter a billboard drops: "(feat. X)", "(w/ X)", "- 2011 Remaster", "- Single Version".
_FEATURING = re.compile(r"\s*[(\[](?:feat\.?|featuring|ft\.?|with|w/)\s[^)\]]*[)\]]", re.IGNORECASE)
_VERSION_SUFFIX = re.compile(
    r"\s+-\s+(?=.*\b(?:remaster(?:ed)?|version|vocal|edit|mix|live|mono|stereo|single|"
    r"recording|soundtrack|from|acoustic|demo|radio|bonus)\b).*$",
    re.IGNORECASE,
)


class MissingTranslation(TemplateError):
    """A copy family has no template in a locale."""


def display_title(title: str) -> str:
    """A track title as a billboard would print it, without featuring credits or version tags."""
    cleaned = _VERSION_SUFFIX.sub("", _FEATURING.sub("", title)).strip()
    return cleaned or title


@dataclass(frozen=True)
class CopyVariant:
    name: str
    headline: str  # with EM markers
    signoffs: tuple[str, ...]


def _em(value: Any) -> str:
    return f"{EM_OPEN}{value}{EM_CLOSE}"


def _strip_emphasis(text: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Remove the em markers, returning the plain text and the emphasised ranges."""
    plain: list[str] = []
    spans: list[tuple[int, int]] = []
    start = None
    length = 0
    for char in text:
        if char == EM_OPEN:
            start = length
        elif char == EM_CLOSE:
            if start is not None and length > start:
                spans.append((start, length))
            start = None
        else:
            plain.append(char)
            length += 1
    return "".join(plain), tuple(spans)


class Copywriter:
    """Renders copy families in locales; one instance per run caches the parsed templates."""

    def __init__(self, search_path: list[Path] | None = None):
        """`search_path`: the templates folders to read, first match wins (resources.py)."""
        dirs = search_path or template_search_path(None)
        self.env = SandboxedEnvironment(
            loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(d)) for d in dirs]),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
            extensions=[CopyTypography],
        )
        self.env.filters.update(number=_number, em=_em, quote=_quote, day=_day, de=french_de)
        self.env.filters["country"] = _country
        self.env.filters.update(contract=_contract, german_on=german_on, capfirst=_capfirst)
        self.env.globals["plural"] = _plural

    def _template(self, family: str, locale: str) -> jinja2.Template:
        name = f"copy/{family}/{locale}.j2"
        try:
            return self.env.get_template(name)
        except jinja2.TemplateNotFound:
            raise MissingTranslation(
                f"no copy template for family '{family}' in locale '{locale}'", name
            ) from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(
                f"template syntax error: {exc.message}", exc.filename or name, exc.lineno
            ) from None

    def variants(self, fact: Fact, event: Event | None, locale: str) -> list[CopyVariant]:
        """Every variant the template offers for this fact, in template order."""
        template = self._template(fact.copy_family, locale)
        context = self._context(fact, event, locale)
        try:
            text = template.render(context)
        except jinja2.TemplateError as exc:
            raise TemplateError(
                f"template failed for fact {fact.id}: {exc}",
                template.filename,
                getattr(exc, "lineno", None),
            ) from None
        return _parse_variants(text, template.filename or "")

    def write(self, fact: Fact, event: Event | None, locale: str) -> BillboardCopy:
        """One billboard's copy: the variant and sign-off picked stably from the fact's id.

        A fact whose tone is respectful gets the template's `respectful` variant; no other fact
        ever gets it.
        """
        options = _for_tone(self.variants(fact, event, locale), fact)
        if not options:
            need = (
                f"a '## {RESPECTFUL}' variant (the fact's tone is respectful)"
                if fact.detail.get("tone") == RESPECTFUL
                else "a variant"
            )
            raise TemplateError(
                f"the template offers no {need} for fact {fact.id}",
                f"templates/copy/{fact.copy_family}/{locale}.j2",
            )
        pick = int(hashlib.sha256(fact.id.encode()).hexdigest(), 16)
        variant = options[pick % len(options)]
        signoff = (
            variant.signoffs[(pick // len(options)) % len(variant.signoffs)]
            if variant.signoffs
            else ""
        )
        headline, spans = _strip_emphasis(variant.headline)
        return BillboardCopy(
            bind_last_words(bind_numbers(headline), locale), signoff, locale, spans, variant.name
        )

    def write_locales(
        self, fact: Fact, event: Event | None, locales: Sequence[str]
    ) -> tuple[dict[str, BillboardCopy], list[str]]:
        """The fact's copy in each locale that has a template, and the locales that have none.

        A missing translation is reported, never filled in from another language.
        """
        copies: dict[str, BillboardCopy] = {}
        missing: list[str] = []
        for locale in locales:
            try:
                copies[locale] = self.write(fact, event, locale)
            except MissingTranslation:
                missing.append(locale)
        return copies, missing

    def _context(self, fact: Fact, event: Event | None, locale: str) -> dict[str, Any]:
        name = None if event is None else event_name(event, locale)
        return {
            **fact.columns(),
            "id": fact.id,
            "title": display_title(fact.subject_name),
            "event": None
            if event is None or name is None
            else {
                # an event's name is copy, not a title: it gets the copy's apostrophes
                "name": literal_text(name, None),
                "kind": event.kind,
                "id": event.event_id,
            },
            "locale": locale,
        }


def event_name(event: Event, locale: str) -> str | None:
    """The event's name in the copy's written language, or None when the calendar has none.

    The copy then says the date instead: Singapore's holidays are named in English only, and
    "在Christmas Day" in Chinese copy is the English that a missing translation must never bring.
    """
    if locale in event.names:
        return event.names[locale]
    key = language_key(locale)
    return next((n for code, n in event.names.items() if language_key(code) == key), None)


# Locale-aware filters read the locale from the template context, so one environment serves all.
@jinja2.pass_context
def _number(context: jinja2.runtime.Context, value: float) -> str:
    return format_decimal(value, locale=parse_locale(context["locale"]), decimal_quantization=False)


@jinja2.pass_context
def _day(context: jinja2.runtime.Context, value: date, pattern: str = "d MMMM") -> str:
    return format_date(value, pattern, locale=parse_locale(context["locale"]))


@jinja2.pass_context
def _quote(context: jinja2.runtime.Context, text: str) -> str:
    return quote(text, context["locale"])


def _capfirst(text: str) -> str:
    """The first letter in capitals and the rest untouched (Jinja's capitalize lowers it)."""
    return text[:1].upper() + text[1:]


@jinja2.pass_context
def _contract(context: jinja2.runtime.Context, text: str) -> str:
    return contract(text, context["locale"])


@jinja2.pass_context
def _country(context: jinja2.runtime.Context, code: str) -> str:
    """A market's country name in the copy's language (CLDR, via babel)."""
    return parse_locale(context["locale"]).territories.get(code, code)


@jinja2.pass_context
def _plural(
    context: jinja2.runtime.Context, count: float, one: str, other: str, **forms: str
) -> str:
    """The word for `count` by the locale's plural rule (CLDR, via babel).

    `one` and `other` are enough for most languages; a language with more categories names
    them (`plural(n, "osoba", "osób", few="osoby")`), and one without plural forms (ja, ko, zh,
    th, vi, id, ms) always gets `other`.
    """
    category = parse_locale(context["locale"]).plural_form(count)
    return forms.get(category) or (one if category == "one" else other)


def _for_tone(options: list[CopyVariant], fact: Fact) -> list[CopyVariant]:
    """The respectful variant for a fact whose tone needs it (a death, a tragedy), and only
    then: every other fact gets the ordinary variants."""
    respectful = fact.detail.get("tone") == RESPECTFUL
    return [v for v in options if (v.name == RESPECTFUL) == respectful]


def _parse_variants(text: str, filename: str) -> list[CopyVariant]:
    variants: list[CopyVariant] = []
    name: str | None = None
    headline: list[str] = []
    signoffs: list[str] = []

    def close() -> None:
        if name is not None:
            folded = _ORDINARY_SPACE.sub(" ", " ".join(headline)).strip()
            if not folded:
                raise TemplateError(f"variant '{name}' has an empty headline", filename)
            variants.append(CopyVariant(name, folded, tuple(signoffs)))

    for line in text.splitlines():
        stripped = line.strip()
        match = _VARIANT.match(stripped)
        if match:
            close()
            name, headline, signoffs = match.group(1), [], []
        elif stripped.startswith("-- ") or stripped == "--":
            signoffs.append(" ".join(stripped[2:].split()))
        elif stripped and name is not None:
            if signoffs:
                raise TemplateError(
                    f"variant '{name}' has headline text after its sign-off", filename
                )
            headline.append(stripped)
    close()
    return variants
