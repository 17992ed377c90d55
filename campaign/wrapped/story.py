"""index.html: the cards as a story to tap through, opened from disk, with no network at all.

Every text is HTML-escaped, and the page's Content-Security-Policy allows only its own script (by
hash) and its own images: a title such as `<img src=x onerror=alert(1)>` is shown, never run.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from campaign.wrapped.card import Card

SCRIPT = """
const cards = Array.from(document.querySelectorAll('.card'));
const bars = Array.from(document.querySelectorAll('.bar'));
let current = 0;
function show(i) {
  current = Math.max(0, Math.min(cards.length - 1, i));
  cards.forEach((c, n) => { c.hidden = n !== current; });
  bars.forEach((b, n) => { b.classList.toggle('seen', n <= current); });
  document.body.dataset.current = String(current);
}
document.addEventListener('click', (e) => {
  show(current + (e.clientX < window.innerWidth / 3 ? -1 : 1));
});
document.addEventListener('keydown', (e) => {
  if (e.key === 'ArrowRight' || e.key === ' ') show(current + 1);
  if (e.key === 'ArrowLeft') show(current - 1);
});
show(0);
""".strip()

STYLE = """
html, body { margin: 0; height: 100%; background: #111; color: #eee; font-family: sans-serif; }
body { display: flex; flex-direction: column; align-items: center; user-select: none; }
.bars { display: flex; gap: 4px; width: min(100vw, 56.25vh); padding: 8px 0; }
.bar { flex: 1; height: 4px; background: #555; border-radius: 2px; }
.bar.seen { background: #fff; }
.card { margin: 0; height: calc(100vh - 24px); aspect-ratio: 9 / 16; max-width: 100vw; }
.card img { width: 100%; height: 100%; object-fit: contain; display: block; }
.card figcaption { position: absolute; left: -10000px; }
""".strip()


def _csp() -> str:
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    return (
        f"default-src 'none'; img-src 'self' file:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{digest}'"
    )


def story_html(title: str, lang: str, cards: list[Card]) -> str:
    """The page; its cards are the PNGs, their words repeated as captions for screen readers."""
    figures = []
    for n, card in enumerate(cards):
        words = " ".join(card.copy[k] for k in ("headline", "body", "counted") if card.copy[k])
        figures.append(
            f'<figure class="card" data-kind="{escape(card.kind)}"{" hidden" if n else ""}>'
            f'<img src="{escape(card.image or "")}" alt="{escape(card.copy["headline"])}">'
            f"<figcaption>{escape(words)}</figcaption></figure>"
        )
    bars = "".join('<div class="bar"></div>' for _ in cards)
    return (
        "<!doctype html>\n"
        f'<html lang="{escape(lang)}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_csp()}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n"
        f'<body><div class="bars">{bars}</div>\n'
        + "\n".join(figures)
        + f"\n<script>{SCRIPT}</script></body></html>\n"
    )
