"""When a written answer counts: placeholders, descriptions, justifications, people.

A field is answered when it holds something a reviewer could act on. "TBD", "n/a"
or "see wiki" hold nothing (the catalogue's ``answers.placeholders``); a question
that asks for a description (marked ``json_schema_extra={"answer": "description"}``
in ``records``) is not answered in two words. The same rules decide whether a
not-applicable justification or a waiver reason is an argument, and names are
compared here so that sign-offs and waivers agree on who a person is.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from workbook.model.rules import AnswerRules
from workbook.model.yamlio import shown

#: How a field is marked in ``records``: a description needs words; an optional part of a
#: section may be left out without the section counting as unanswered.
DESCRIPTION = "description"
OPTIONAL = "optional"

Reason = Literal["missing", "placeholder", "short"]


@dataclass(frozen=True)
class Gap:
    """One field that is not answered, and why."""

    path: str
    reason: Reason
    #: What was written, quoted as a detail shows it (placeholders), or None.
    value: str | None = None
    words: int = 0
    needed: int = 0

    def describe(self) -> str:
        """``trust.fallback ('TBD')``: the path with what makes it no answer."""
        if self.reason == "placeholder" and self.value is not None:
            return f"{self.path} ({self.value})"
        if self.reason == "short":
            return (
                f"{self.path} ({self.words} word{'s' * (self.words != 1)}; at least {self.needed})"
            )
        return self.path


#: The heading each kind of gap is listed under in a criterion's detail.
HEADINGS: dict[str, str] = {
    "missing": "not answered",
    "placeholder": "placeholder answer",
    "short": "too short for a description",
}


def describe_gaps(gaps: list[Gap]) -> str:
    """``not answered: a, b; placeholder answer: c ('TBD')``: grouped, in the order given."""
    parts = []
    for reason, heading in HEADINGS.items():
        named = [g.describe() for g in gaps if g.reason == reason]
        if named:
            parts.append(f"{heading}: {', '.join(named)}")
    return "; ".join(parts)


# --- text -----------------------------------------------------------------------------


def _edge(ch: str) -> bool:
    """Whitespace, punctuation or a symbol: what is stripped from both ends of an answer."""
    return not ch.isalnum()


#: Cyrillic and Greek letters that look like Latin ones ("TВD" with a Cyrillic В): folded
#: to the Latin letter before an answer or a name is compared, so a look-alike cannot hide
#: a placeholder. (Two names written alike are then the same name, as a reader sees them.)
_LOOK_ALIKES = str.maketrans(
    "авсеһіјкмнорѕтуххԁԛԝαβεηικμνορτυχζ",
    "abcehijkmhopstyxxdqwabehikmvoptuxz",
)


def _fold(text: str) -> str:
    """NFKC, case folded, look-alike letters made Latin."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_LOOK_ALIKES)


def normalise(text: str) -> str:
    """NFKC, case folded, look-alikes folded, without whitespace and punctuation at either
    end, inner runs of whitespace collapsed: ``"  TBD. "`` and ``"tbd"`` are one answer."""
    folded = _fold(text)
    start, end = 0, len(folded)
    while start < end and _edge(folded[start]):
        start += 1
    while end > start and _edge(folded[end - 1]):
        end -= 1
    return " ".join(folded[start:end].split())


def _compact(text: str) -> str:
    """Only the letters and digits of ``text``, case folded."""
    return "".join(ch for ch in _fold(text) if ch.isalnum())


def words(text: str) -> int:
    """How many words ``text`` has: whitespace-separated runs holding a letter or digit."""
    return sum(1 for token in text.split() if any(ch.isalnum() for ch in token))


@functools.lru_cache(maxsize=16)
def _placeholder_forms(placeholders: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """The placeholders normalised and compacted, once per catalogue, not once per answer."""
    return frozenset(map(normalise, placeholders)), frozenset(map(_compact, placeholders))


def is_placeholder(text: str, rules: AnswerRules) -> bool:
    """True when ``text`` says nothing: empty, no letter or digit, a placeholder, or one
    led by a placeholder lead ("TBD - waiting for legal")."""
    said = normalise(text)
    if not said:  # also an answer of only punctuation or symbols: "-", "?", "..."
        return True
    normalised, compacted = _placeholder_forms(rules.placeholders)
    if said in normalised:
        return True
    # "T.B.D.", "N / A", "to-do": the same placeholder with its letters spaced or dotted.
    if _compact(said) in compacted:
        return True
    if any(re.search(p, said) for p in rules.placeholder_patterns):
        return True
    for lead in rules.placeholder_leads:
        start = normalise(lead)
        # The lead is a whole word: "wip" leads "wip: drafting", not "wipe the cache".
        if start and said.startswith(start):
            rest = said[len(start) :]
            if not rest or not rest[0].isalnum():
                return True
    return False


def text_gap(text: str, path: str, rules: AnswerRules, need_words: int = 0) -> Gap | None:
    """Why ``text`` is no answer at ``path`` (a placeholder, or fewer than ``need_words``)."""
    if is_placeholder(text, rules):
        said = text.strip()
        return Gap(path, "placeholder", shown(said)) if said else Gap(path, "missing")
    n = words(text)
    if n < need_words:
        return Gap(path, "short", words=n, needed=need_words)
    if need_words and any(re.search(p, normalise(text)) for p in rules.pointer_patterns):
        # A description that only points elsewhere: the dossier's reader cannot follow it.
        return Gap(path, "placeholder", shown(text.strip()))
    return None


# --- fields ---------------------------------------------------------------------------


def _marker(model: type[BaseModel], name: str) -> str | None:
    extra = model.model_fields[name].json_schema_extra
    marked = extra.get("answer") if isinstance(extra, dict) else None
    return marked if isinstance(marked, str) else None


def answer_kind(model: type[BaseModel], name: str) -> str | None:
    """How field ``name`` of ``model`` is marked: ``"description"``, ``"optional"`` or None."""
    return _marker(model, name) if name in model.model_fields else None


def unanswered(
    value: Any, path: str, rules: AnswerRules, *, description: bool = False
) -> list[Gap]:
    """Every part of the answer at ``path`` that is not answered, with the reason.

    A section names its parts (an ``optional`` part may be left out); a list of texts
    drops placeholder items and is unanswered when none is left; a ``description``
    needs ``rules.min_description_words``.
    """
    if isinstance(value, BaseModel):
        model = type(value)
        out = []
        for name in model.model_fields:
            part = getattr(value, name)
            kind = _marker(model, name)
            if kind == OPTIONAL and part is None:
                continue
            out += unanswered(part, f"{path}.{name}", rules, description=kind == DESCRIPTION)
        return out
    need = rules.min_description_words if description else 0
    if value is None:
        return [Gap(path, "missing")]
    if isinstance(value, str):
        gap = text_gap(value, path, rules, need)
        return [] if gap is None else [gap]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        written = [v for v in value if v.strip()]
        if not written:
            return [Gap(path, "missing")]
        if all(is_placeholder(v, rules) for v in written):
            return [Gap(path, "placeholder", ", ".join(shown(v.strip()) for v in written))]
        return []  # a placeholder item among real ones is dropped, not held against the rest
    if isinstance(value, list | dict) and not value:
        return [Gap(path, "missing")]
    return []


def field_gaps(record: BaseModel, path: str, rules: AnswerRules) -> list[Gap]:
    """``unanswered`` for the record field at dotted ``path``, knowing how it is marked."""
    owner: Any = record
    parts = path.split(".")
    for part in parts[:-1]:
        owner = getattr(owner, part)
    name = parts[-1]
    kind = answer_kind(type(owner), name)
    return unanswered(getattr(owner, name), path, rules, description=kind == DESCRIPTION)


def entry_gaps(entry: BaseModel, names: list[str], rules: AnswerRules) -> list[Gap]:
    """The fields ``names`` of one register entry that are not answered (by field name)."""
    model = type(entry)
    return [
        gap
        for name in names
        for gap in unanswered(
            getattr(entry, name), name, rules, description=_marker(model, name) == DESCRIPTION
        )
    ]


def is_answered(value: Any, rules: AnswerRules, *, description: bool = False) -> bool:
    """True when ``value`` is a real answer under ``rules``."""
    return not unanswered(value, "", rules, description=description)


# --- people ---------------------------------------------------------------------------

#: Where a person's name ends and their title or affiliation begins.
_NAME_END = re.compile(r",|\s\(|\s<|\s[-\u2013\u2014]\s")
_TITLES = frozenset({"dr", "mr", "mrs", "ms", "mx", "prof", "sir", "dame"})


def person_name(text: str) -> str:
    """The name part of ``text`` as written: ``"Ines Carvalho, Security Lead"`` ->
    ``"Ines Carvalho"`` (text before the first ",", " (", " <", " - ", " – ", " — ")."""
    return _NAME_END.split(text.strip(), maxsplit=1)[0].strip()


#: "Raman, Priya": one word, a comma, a given name (and perhaps an initial), nothing more.
#: "Zoe Nunez, Claims" is a name and an affiliation.
_SURNAME_FIRST = re.compile(r"^\s*([^\s,()<]+)\s*,\s*([^\s,()<]+(?:\s[^\s,()<]\.?)?)\s*$")


def person_key(text: str) -> str:
    """The name part, compared: accents and look-alikes folded, case folded, titles dropped,
    spaces collapsed. "Raman, Priya" (surname first, nothing after) is "priya raman"."""
    flipped = _SURNAME_FIRST.match(text)
    name = f"{flipped.group(2)} {flipped.group(1)}" if flipped else person_name(text)
    name = unicodedata.normalize("NFKD", name)
    name = "".join(ch for ch in name if not unicodedata.combining(ch))
    tokens = _fold(name).replace(".", " ").split()
    while tokens and tokens[0] in _TITLES:
        tokens = tokens[1:]
    return " ".join(tokens)


def _initialled(short: list[str], full: list[str]) -> bool:
    """``["b", "hartley"]`` stands for ``["ben", "hartley"]``: same surname, and each given
    name of ``short`` is the other's or its initial."""
    if len(short) != len(full) or short[-1] != full[-1]:
        return False
    pairs = zip(short, full, strict=True)
    return all(a == b or (len(a) == 1 and b.startswith(a)) for a, b in pairs)


def same_person(a: str | None, b: str | None) -> bool:
    """Whether ``a`` and ``b`` name the same person (``"Dr. José Núñez"`` is
    ``"jose nunez, Head of Claims"``; ``"B. Hartley"`` is ``"Ben Hartley"``, so an initial
    cannot make a builder independent, and ``"P. Raman"`` may sign for Priya Raman).
    An empty name is nobody."""
    if not a or not b:
        return False
    x, y = person_key(a).split(), person_key(b).split()
    return bool(x) and bool(y) and (x == y or _initialled(x, y) or _initialled(y, x))


def required_texts(model: type[BaseModel]) -> list[str]:
    """The free-text fields an entry of ``model`` must always have (``description``,
    ``trigger``, a name): a register checks them even when its catalogue does not list them.
    Fields of a fixed form (an id, a digest: a ``pattern``) are labels, not answers."""
    return [
        name
        for name, info in model.model_fields.items()
        if info.is_required()
        and info.annotation is str
        and not any(getattr(m, "pattern", None) for m in info.metadata)
    ]


def argument_problem(text: str | None, rules: AnswerRules) -> str | None:
    """Why ``text`` is no argument (a not-applicable justification, a waiver reason): None
    when it is one. It needs ``rules.min_justification_words`` and may not be a placeholder."""
    said = (text or "").strip()
    if not said:
        return "is not given"
    if is_placeholder(said, rules):
        return f"is a placeholder ({shown(said)})"
    n = words(said)
    if n < rules.min_justification_words:
        return f"is too short ({n} word{'s' * (n != 1)}; at least {rules.min_justification_words})"
    content = content_words(said, rules)
    if len(content) < rules.min_justification_content_words:
        need = rules.min_justification_content_words
        return (
            f"says too little ({len(content)} distinct word{'s' * (len(content) != 1)} beyond "
            f"filler; at least {need})"
        )
    return None


#: Words that carry no reason by themselves: the filler of "not needed because it is not".
_FILLER_WORDS = """a about after again all also am an and any are as at be because been before being
    but by can could did do does doing done for from had has have having here how i if in
    into is it its just may me might more most must my need needed needs no nor not now of
    off on once only or other our out over own really same shall should so some such than
    that the their them then there these they this those through to too under until up
    very was we were what when where which while who why will with would yet you your
    applicable apply applies relevant required necessary case really actually simply
    basically anyway"""
_FILLER = frozenset(_FILLER_WORDS.split())


def content_words(text: str, rules: AnswerRules) -> set[str]:
    """The distinct words of ``text`` that are neither filler nor placeholder vocabulary."""
    vocabulary = {w for p in rules.placeholders for w in normalise(p).split()}
    tokens = re.findall(r"[^\W_]+(?:'[^\W_]+)?", _fold(text))
    return {t for t in tokens if t not in _FILLER and t not in vocabulary and not t.isdigit()}
