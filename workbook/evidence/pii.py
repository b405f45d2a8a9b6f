"""Personal data in log text: what is looked for, how it is confirmed, how it is hidden.

The same patterns run in DuckDB (RE2) to count and in Python to redact
examples, so they keep to syntax both engines read alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from workbook.evidence import engine

# Local part and domain may hold any letter (zoë@example.com), not only ASCII.
_ADDR = r"""[^\s@<>()\[\],;:"'`]"""
EMAIL = rf"{_ADDR}+@[^\s@<>()\[\],;:\"'`.]+(?:\.[^\s@<>()\[\],;:\"'`.]+)*\.[A-Za-z]{{2,}}"
# A phone number starts with + or a trunk 0 and has 9 to 15 digits, or is written
# the North American way, (555) 123-4567.
PHONE = (
    r"(?:\+|\b0)[0-9](?:[ ().-]{0,2}[0-9]){7,13}\b"
    r"|\([0-9]{3}\) ?[0-9]{3}[ .-][0-9]{4}\b"
)
# 13 to 19 digits, optionally grouped by spaces or dashes; confirmed by the Luhn check.
CARD = r"\b[0-9](?:[ -]?[0-9]){12,18}\b"
# Country code, check digits, then groups of four; confirmed by the mod-97 check.
IBAN = r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"


def plural(label: str, n: int) -> str:
    """'e-mail address' -> 'e-mail addresses' unless n is 1."""
    if n == 1:
        return label
    return label + ("es" if label.endswith("s") else "s")


def digits(text: str) -> str:
    return re.sub(r"[^0-9]", "", text)


def luhn_ok(number: str) -> bool:
    """The Luhn checksum of a digit string (payment cards)."""
    # From the right, every second digit is doubled; the digits of each value are summed.
    total = sum(
        sum(divmod(int(ch) * 2, 10)) if i % 2 else int(ch) for i, ch in enumerate(reversed(number))
    )
    return bool(number) and total % 10 == 0


def iban_ok(text: str) -> bool:
    """ISO 13616 check digits: rearranged, letters as 10..35, the number mod 97 is 1."""
    compact = text.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    pattern: str
    #: SQL that confirms one match ``m`` (after the pattern), or None when the pattern suffices.
    confirm_sql: str | None
    confirm: Callable[[str], bool]


KINDS: tuple[Kind, ...] = (
    Kind("emails", "e-mail address", EMAIL, None, lambda m: True),
    Kind("phones", "phone number", PHONE, None, lambda m: True),
    Kind(
        "cards",
        "payment card number",
        CARD,
        "luhn_ok(regexp_replace(m, '[^0-9]', '', 'g'))",
        lambda m: luhn_ok(digits(m)),
    ),
    Kind("ibans", "IBAN", IBAN, "iban_ok(m)", iban_ok),
)

#: One pass finds every candidate; where two kinds could claim the same characters the
#: earlier kind wins, so an IBAN is not also a card or a phone, nor a card a phone.
MATCH_ORDER: tuple[Kind, ...] = tuple(
    next(k for k in KINDS if k.name == name) for name in ("ibans", "cards", "emails", "phones")
)
ANY_PATTERN = "|".join(f"(?P<{k.name}>{k.pattern})" for k in MATCH_ORDER)
_ANY = re.compile(ANY_PATTERN)
_DIGIT_RUN = re.compile(r"[+(]?[0-9][0-9 ().-]*[0-9]")


def _sql(pattern: str) -> str:
    """A pattern as a SQL string literal (RE2 reads Python's named groups too)."""
    return engine.literal(pattern)


def matches_sql(text_sql: str) -> str:
    """SQL: every candidate in the text, in one regular-expression pass."""
    return f"regexp_extract_all({text_sql}, {_sql(ANY_PATTERN)})"


def count_sql(matches: str, kind: Kind) -> str:
    """SQL counting the candidates in the list ``matches`` that are confirmed ``kind``."""
    earlier = MATCH_ORDER[: MATCH_ORDER.index(kind)]
    tests = [f"regexp_full_match(m, {_sql(kind.pattern)})"]
    tests += [f"NOT regexp_full_match(m, {_sql(k.pattern)})" for k in earlier]
    if kind.confirm_sql is not None:
        tests.append(kind.confirm_sql)
    both = " AND ".join(tests)  # pragma: no mutate -- SQL reads AND in any case
    return f"len(list_filter({matches}, lambda m: {both}))"


def find(text: str) -> dict[str, int]:
    """Confirmed matches per kind in one text (the counting rule, in Python)."""
    found = dict.fromkeys((k.name for k in KINDS), 0)
    by_name = {k.name: k for k in KINDS}
    for m in _ANY.finditer(text):
        name = m.lastgroup  # every alternative is a named group, so a match names its kind
        if name and by_name[name].confirm(m.group()):
            found[name] += 1
    return found


def redact(text: str, width: int = 160, min_digits: int = 7) -> str:
    """Every candidate (confirmed or not) replaced by a label; cut to ``width`` around the first.

    Redaction errs on the side of hiding: any other run of ``min_digits`` digits or
    more is hidden too (a date has eight).
    """

    def label(m: re.Match[str]) -> str:
        kind = next(k for k in KINDS if m.group(k.name) is not None)
        return f"[{kind.label}]" if kind.confirm(m.group()) else "[number]"

    hidden = _ANY.sub(label, text)
    # Digit runs the patterns did not claim may still be account or phone numbers:
    # hide any with seven digits or more, however they are grouped.
    hidden = _DIGIT_RUN.sub(
        lambda m: "[number]" if len(digits(m.group())) >= min_digits else m.group(), hidden
    )
    # A text within the width is its own window: start 0, no ellipsis.
    labels = ["[number]", *(f"[{k.label}]" for k in KINDS)]
    first = min(
        (i for i in (hidden.find(x) for x in labels) if i >= 0),
        default=0,  # pragma: no mutate -- any default under width // 3 opens the window at 0
    )
    start = max(0, min(first - width // 3, len(hidden) - width))
    cut = hidden[start : start + width]
    return ("…" if start else "") + cut + ("…" if start + width < len(hidden) else "")
