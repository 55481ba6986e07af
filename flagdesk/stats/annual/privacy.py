"""The check that a report holds no personal data (art. 22(3) DSA: "shall not contain personal
data"; legal.md rule 19).

The figures cannot hold any by construction (counts, codes, dates); what could slip in is text:
a provider's name that is a person's name, a designation typed with a contact address, or the
independence text, the only free text of the report, written by a coordinator. So the check
reads every string of the JSON (keys too) and the visible text of each rendered format, and
looks for:

- email addresses, web addresses (``http://``, ``www.``, bare domains with a path);
- phone numbers (eight digits or more, with the usual separators; dates and hashes excluded);
- case, report and notice references (``C-7KQ3-M9XD``) and receipt codes;
- the names and usernames of the organisation's staff accounts (``User``: not encrypted). A
  reporter's or victim's name is stored encrypted and is deliberately not decrypted here: doing
  so would reveal every name to the check itself; those names only reach a report through free
  text, which is limited to the independence text;
- free text anywhere else than ``independence_procedures``: a string longer than a name, or one
  with a line break, in any other place.

A finding names the kind of data and where it is, never the data itself (findings are shown on
the finalise page and may be logged).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flagdesk.accounts.models import User
from flagdesk.core.references import ALPHABET

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", re.UNICODE)
URL = re.compile(r"(https?://|ftp://|www\.)\S+|\b[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}/\S*", re.I)
# What looks like a phone number once dates, times and hashes are taken out.
PHONE = re.compile(r"(?<![\w.])\+?\(?\d[\d ().\-/]{6,}\d(?![\w.])")
PHONE_DIGITS = 8
NOT_PHONE = re.compile(
    r"\b(19|20)\d{2}/\d{1,5}\b|"  # a regulation's number: Regulation (EU) 2022/2065
    r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?(\.\d+)?([+-]\d{2}:\d{2}|Z)?)?|\b[0-9a-f]{32,}\b",
    re.I,
)
REFERENCE = re.compile(rf"\b[RCN][-\s][{ALPHABET}]{{4}}[-\s]?[{ALPHABET}]{{4}}\b")
RECEIPT = re.compile(
    rf"\b[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}\b"
)

# The one place free text is allowed, and the keys whose values are names (short text).
FREE_TEXT_KEYS = frozenset({"independence_procedures"})
NAME_LENGTH = 120
# Staff names shorter than this are too common as words to be searched for in text.
MIN_NAME_LENGTH = 4

KINDS = {
    "email": gettext_lazy("an email address"),
    "url": gettext_lazy("a web address"),
    "phone": gettext_lazy("a phone number"),
    "reference": gettext_lazy("a case, report or notice reference"),
    "receipt": gettext_lazy("a receipt code"),
    "staff_name": gettext_lazy("the name of a staff member"),
    "free_text": gettext_lazy("free text"),
}


@dataclass(frozen=True)
class Finding:
    kind: str  # a key of KINDS
    where: str  # a JSON path (``by_provider[2].provider``) or a format (``html``)

    def __str__(self) -> str:
        return _("%(what)s in %(where)s") % {"what": KINDS[self.kind], "where": self.where}


class PersonalDataFound(Exception):
    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("; ".join(str(f) for f in findings))
        self.findings = findings


def staff_names() -> list[str]:
    """Usernames and full names of every account, long enough to be searched for."""
    names: set[str] = set()
    for username, first, last in User.objects.values_list("username", "first_name", "last_name"):
        for name in (username, f"{first} {last}".strip(), last):
            if len(name.strip()) >= MIN_NAME_LENGTH:
                names.add(name.strip().lower())
    return sorted(names)


def _patterns(text: str, names: Iterable[str]) -> Iterator[str]:
    if EMAIL.search(text):
        yield "email"
    if URL.search(text):
        yield "url"
    candidates = PHONE.finditer(NOT_PHONE.sub(" ", text))
    if any(sum(c.isdigit() for c in m.group()) >= PHONE_DIGITS for m in candidates):
        yield "phone"
    if REFERENCE.search(text):
        yield "reference"
    if RECEIPT.search(text):
        yield "receipt"
    lowered = text.lower()
    for name in names:
        if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", lowered):
            yield "staff_name"
            break


def _strings(value: Any, path: str) -> Iterator[tuple[str, str, str]]:
    """(path, key, text) of every string of a JSON value, keys included."""
    if isinstance(value, dict):
        for k, v in value.items():
            child = f"{path}.{k}" if path else str(k)
            yield child, "", str(k)
            yield from ((p, str(k) if p == child else key, t) for p, key, t in _strings(v, child))
    elif isinstance(value, list):
        for n, v in enumerate(value):
            yield from _strings(v, f"{path}[{n}]")
    elif isinstance(value, str):
        yield path, path.rsplit(".", 1)[-1], value


def check_data(data: dict[str, Any], names: list[str] | None = None) -> list[Finding]:
    """Findings in the report's JSON; empty when it holds nothing that looks personal."""
    names = staff_names() if names is None else names
    findings: list[Finding] = []
    for path, key, text in _strings(data, ""):
        kinds = list(_patterns(text, names))
        if key not in FREE_TEXT_KEYS and ("\n" in text or len(text) > NAME_LENGTH):
            kinds.append("free_text")
        findings.extend(Finding(kind, path) for kind in dict.fromkeys(kinds))
    return findings


class _Text(HTMLParser):
    """The text a reader sees: no tags, no attributes, no styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(p.strip() for p in parser.parts if p.strip())


def check_text(text: str, where: str, names: list[str] | None = None) -> list[Finding]:
    """Findings in a rendered format's text (the CSV, or the HTML page's visible text)."""
    names = staff_names() if names is None else names
    return [Finding(kind, where) for kind in dict.fromkeys(_patterns(text, names))]


def check_report(data: dict[str, Any], rendered: dict[str, str]) -> list[Finding]:
    """The JSON and every rendered text format (``{"csv": ..., "html": ...}``)."""
    names = staff_names()
    findings = check_data(data, names)
    for fmt, text in rendered.items():
        body = visible_text(text) if fmt == "html" else text
        findings.extend(check_text(body, fmt, names))
    return findings
