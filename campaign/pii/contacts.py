"""Ways to reach a person online: e-mail addresses, web addresses and social media handles.

Each pattern reads normalised text (normalise.py), where "jane [at] gmail [.] com" is already
"jane@gmail.com", so the patterns spell each address one way only.
"""

from __future__ import annotations

import re

from campaign.pii.normalise import TLDS

# Mail providers, for an address written without its domain's ending ("jane@gmail"); not
# those named like words ("live", "me", "web"), so "rock@live" stays a title.
_PROVIDERS = (
    r"gmail|googlemail|hotmail|outlook|msn|yahoo|ymail|icloud|aol|gmx|protonmail|proton|yandex|"
    r"qq|163|126|naver|daum|hanmail|libero|laposte|wanadoo|ziggo|kpnmail|telenet|skynet|"
    r"btinternet|virginmedia|seznam|onet|rediffmail"
)
EMAIL = re.compile(
    rf"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{{2,}}|[\w.+'-]+@(?:{_PROVIDERS})\b",
    re.IGNORECASE,
)
URL = re.compile(
    r"\b(?:https?|ftp)://\S+|\bwww\d?\.\S+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:" + TLDS + r")\b(?!\.\w)(?:/\S*)?",
    re.IGNORECASE,
)
# "@" that opens a name ("@jane_doe"; "rock @ home" is not one). E-mail addresses go first.
_AT_HANDLE = r"(?<![\w@.])@\w(?:[\w.]*\w)?|(?<![\w/])u/\w{3,}"
# A platform's name before a user name: "ig: jane_doe", "snap janedoe99", "discord: jane#1234".
_PLATFORMS = (
    r"ig|insta|instagram|snap|snapchat|tiktok|tik tok|twitter|fb|facebook|discord|telegram|"
    r"wechat|weixin|kakao|kakaotalk|kik|bsky|bluesky|youtube|twitch|soundcloud|venmo|cashapp|"
    r"paypal|whatsapp|skype|reddit"
)
# Short or everyday words that name a platform only with a colon: "x: jane", "line: jane99".
_COLON_PLATFORMS = r"x|sc|tt|tg|yt|line|line id|threads|signal|add me on|follow me on|dm me on"
# With a colon any word after the platform is a user name; without one, only a word shaped
# like a user name (a letter first, a digit, a dot or an underscore in it): "snap back" stays.
_LABELLED_HANDLE = (
    rf"\b(?:{_PLATFORMS}|{_COLON_PLATFORMS})\s*[:：=]\s*@?[\w.]*\w(?:#\d{{4}})?"
    rf"|\b(?:{_PLATFORMS})\s+@?[^\W\d_]\w*(?:(?:[._]\w+)+|\d\w*)"
)
HANDLE = re.compile(rf"{_AT_HANDLE}|{_LABELLED_HANDLE}", re.IGNORECASE)
# A word shaped like a user name: letters and digits joined by "_" or ".", or letters then a
# number ("jane_doe", "jane.doe99"): a handle when it starts with a first name (names.py).
USERNAME_SHAPE = re.compile(
    r"(?<![\w@.])(?P<letters>[^\W\d_]{2,})(?:[._][^\W\d_]+\d*|[._]?\d{2,})(?![\w@])"
)
