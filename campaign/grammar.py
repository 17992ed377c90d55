"""Small grammar a phrase needs around an event's name: contracted articles, German "am"/"an".

Copy joins a preposition to a name it does not know ("em" + "o Natal", "di" + "il referendum"),
so the contraction a native writer would make is applied to the joined words, not to the name.
"""

from __future__ import annotations

import re

from campaign.typography import parse_locale

# Preposition + article → the contracted form, per language. Longest match first.
_CONTRACTIONS = {
    "fr": {"de le ": "du ", "de les ": "des ", "à le ": "au ", "à les ": "aux "},
    "es": {"de el ": "del ", "a el ": "al "},
    "pt": {
        "de o ": "do ", "de a ": "da ", "de os ": "dos ", "de as ": "das ",
        "em o ": "no ", "em a ": "na ", "em os ": "nos ", "em as ": "nas ",
        "a o ": "ao ", "a a ": "à ", "a os ": "aos ", "a as ": "às ",
    },
    "it": {
        "di il ": "del ", "di lo ": "dello ", "di la ": "della ", "di i ": "dei ",
        "di gli ": "degli ", "di le ": "delle ", "di l’": "dell’",
        "a il ": "al ", "a lo ": "allo ", "a la ": "alla ", "a i ": "ai ",
        "a gli ": "agli ", "a le ": "alle ", "a l’": "all’",
        "in il ": "nel ", "in lo ": "nello ", "in la ": "nella ", "in l’": "nell’",
    },
}  # fmt: skip
# German: a name whose head noun is masculine or neuter and ends like these takes "am"
# (am Valentinstag, am Heiligabend, am Black Friday); any other takes "an" (an Silvester).
_GERMAN_AM_ENDINGS = ("tag", "abend", "morgen", "friday", "sonntag", "feiertag", "fest")


def contract(text: str, code: str) -> str:
    """`text` with the language's preposition + article contractions made (em o → no)."""
    table = _CONTRACTIONS.get(parse_locale(code).language)
    if not table:
        return text
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(k) for k in sorted(table, key=len, reverse=True)) + ")",
        re.IGNORECASE,
    )
    return pattern.sub(lambda m: _same_case(table[m.group(1).lower()], m.group(1)), text)


def _same_case(replacement: str, original: str) -> str:
    return replacement[:1].upper() + replacement[1:] if original[:1].isupper() else replacement


def german_on(name: str) -> str:
    """German "on <day>": am Valentinstag, am Ersten Weihnachtstag, an Silvester."""
    words = name.split()
    if (
        len(words) > 1
        and words[0].endswith("er")
        and words[0][:1].isupper()
        and words[1][:1].isupper()
    ):
        # a masculine adjective in front (Erster Mai) inflects after "am": am Ersten Mai
        return f"am {words[0][:-2]}en {' '.join(words[1:])}"
    ends = tuple(w.lower().rstrip(".,") for w in (words[:1] + words[-1:]))
    if any(w.endswith(_GERMAN_AM_ENDINGS) for w in ends):
        return f"am {name}"
    return f"an {name}"
