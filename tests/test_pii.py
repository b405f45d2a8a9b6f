"""Personal data in log text: which numbers count, and that examples are shown redacted."""

from __future__ import annotations

import pytest

from conftest import shared_scope
from workbook.evidence import engine, pii

# Published test card numbers (Visa, Mastercard, American Express) and the same with one digit
# changed: the Luhn check must tell them apart.
CARDS = ["4111111111111111", "5555555555554444", "378282246310005"]
ALTERED_CARDS = ["4111111111111112", "5555555555554445", "378282246310006"]
# The IBANs of the ISO 13616 / ECBS examples, and the same with the check digits changed.
IBANS = ["GB82WEST12345698765432", "DE89370400440532013000"]
ALTERED_IBANS = ["GB83WEST12345698765432", "DE88370400440532013000"]


@pytest.fixture(scope=shared_scope)
def con():
    """DuckDB with the evidence macros, as the inspectors use it."""
    connection = engine.connect()
    yield connection
    connection.close()


def luhn_reference(number: str) -> bool:
    """Luhn from its definition: from the right, double every second digit and sum the digits."""
    total = 0
    for position, ch in enumerate(reversed(number)):
        value = int(ch) * (2 if position % 2 else 1)
        total += value // 10 + value % 10
    return total % 10 == 0


def iban_reference(iban: str) -> bool:
    """ISO 13616: first four characters to the end, A=10 .. Z=35, the integer mod 97 is 1."""
    compact = iban.replace(" ", "")
    moved = compact[4:] + compact[:4]
    number = "".join(str(ord(ch) - ord("A") + 10) if ch.isalpha() else ch for ch in moved)
    return int(number) % 97 == 1


@pytest.mark.parametrize("number", CARDS + ALTERED_CARDS + ["0", "18", "79927398713"])
def test_luhn_agrees_with_its_definition(number):
    assert pii.luhn_ok(number) is luhn_reference(number)


def test_luhn_accepts_test_cards_and_rejects_one_changed_digit():
    assert [pii.luhn_ok(n) for n in CARDS] == [True, True, True]
    assert [pii.luhn_ok(n) for n in ALTERED_CARDS] == [False, False, False]
    assert pii.luhn_ok("") is False


def test_iban_check_digits():
    assert [pii.iban_ok(i) for i in IBANS] == [True, True]
    assert pii.iban_ok("GB82 WEST 1234 5698 7654 32") is True
    assert [pii.iban_ok(i) for i in ALTERED_IBANS] == [False, False]
    assert [iban_reference(i) for i in IBANS + ALTERED_IBANS] == [True, True, False, False]


@pytest.mark.parametrize("number", CARDS + ALTERED_CARDS + ["79927398713", "1234567812345678"])
def test_luhn_in_sql_agrees_with_python(con, number):
    (ok,) = con.execute("SELECT luhn_ok(?)", [number]).fetchone()
    assert ok is pii.luhn_ok(number)


@pytest.mark.parametrize("iban", [*IBANS, *ALTERED_IBANS, "GB82 WEST 1234 5698 7654 32"])
def test_iban_in_sql_agrees_with_python(con, iban):
    (ok,) = con.execute("SELECT iban_ok(?)", [iban]).fetchone()
    assert ok is pii.iban_ok(iban)


NONE = {"emails": 0, "phones": 0, "cards": 0, "ibans": 0}

# (text, confirmed counts that differ from none)
FIND_TABLE = [
    ("Visa grouped", "card 4111 1111 1111 1111 on file", {"cards": 1}),
    ("Visa dashed", "card 4111-1111-1111-1111", {"cards": 1}),
    ("Mastercard", "paid with 5555555555554444.", {"cards": 1}),
    ("Amex 15 digits", "amex 378282246310005", {"cards": 1}),
    ("Visa one digit changed", "card 4111 1111 1111 1112", {}),
    ("Mastercard one digit changed", "paid with 5555555555554445", {}),
    ("Amex one digit changed", "amex 378282246310006", {}),
    (
        "three cards, one altered",
        "4111111111111111, 5555555555554444, 378282246310006",
        {"cards": 2},
    ),
    ("IBAN grouped", "IBAN GB82 WEST 1234 5698 7654 32 please", {"ibans": 1}),
    ("IBAN compact", "to DE89370400440532013000", {"ibans": 1}),
    ("IBAN check digits changed", "IBAN GB83 WEST 1234 5698 7654 32", {}),
    ("IBAN compact changed", "to DE88370400440532013000", {}),
    ("e-mail", "write to jane.doe+claims@example.co.uk today", {"emails": 1}),
    ("two e-mails", "a@b.io and c.d@e-f.org", {"emails": 2}),
    # Quotes in the patterns must survive their trip into SQL; capitals are letters too.
    ("capitals in an address", "mail Xavier.O@eXample.COM", {"emails": 1}),
    ("phone international", "call +44 20 7946 0958", {"phones": 1}),
    ("phone national", "call 020 7946 0958", {"phones": 1}),
    ("both phone forms", "+44 20 7946 0958 or 020 7946 0958", {"phones": 2}),
    (
        "everything once",
        "x@y.com, 020 7946 0958, 4111111111111111, DE89370400440532013000",
        {"emails": 1, "phones": 1, "cards": 1, "ibans": 1},
    ),
    ("clean text", "Rear-end shunt at lights, bumper dented, queue fast_track", {}),
    ("short numbers", "claim 12345 on 2026-11-01, 3 photos, policy v14", {}),
    ("at sign without domain", "meet @ 10, user@localhost", {}),
]


@pytest.mark.parametrize(
    ("text", "expected"), [r[1:] for r in FIND_TABLE], ids=[r[0] for r in FIND_TABLE]
)
def test_find_counts_only_confirmed_matches(text, expected):
    assert pii.find(text) == {**NONE, **expected}


@pytest.mark.parametrize(
    ("text", "expected"), [r[1:] for r in FIND_TABLE], ids=[r[0] for r in FIND_TABLE]
)
def test_sql_counting_agrees_with_python(con, text, expected):
    """DuckDB counts in the log inspector; the rule must be the one ``find`` states."""
    sql = ", ".join(pii.count_sql("m", k) for k in pii.KINDS)
    found = f"SELECT {pii.matches_sql('t')} AS m FROM (SELECT ? AS t)"
    counts = con.execute(f"SELECT {sql} FROM ({found})", [text]).fetchone()
    assert dict(zip((k.name for k in pii.KINDS), counts, strict=True)) == {**NONE, **expected}


# (text, the text as it must be shown, written by hand: each candidate replaced by its label)
REDACT_TABLE = [
    ("card 4111 1111 1111 1111 on file", "card [payment card number] on file"),
    ("paid with 5555555555554444", "paid with [payment card number]"),
    ("IBAN GB82 WEST 1234 5698 7654 32", "IBAN [IBAN]"),
    ("to DE89370400440532013000", "to [IBAN]"),
    ("write to jane.doe@example.co.uk", "write to [e-mail address]"),
    ("call +44 20 7946 0958", "call [phone number]"),
    ("call 020 7946 0958", "call [phone number]"),
    # Card-shaped but failing the Luhn check: not counted, hidden all the same.
    ("card 4111 1111 1111 1112", "card [number]"),
    # IBAN-shaped with wrong check digits: not counted, hidden all the same.
    ("to DE88370400440532013000", "to [number]"),
    # No pattern claims ten digits that start with 9; the digit-run rule hides them.
    ("account 9912345678 closed", "account [number] closed"),
    ("two: a@b.io, 4111111111111111", "two: [e-mail address], [payment card number]"),
]


@pytest.mark.parametrize(("text", "expected"), REDACT_TABLE)
def test_redact_hides_every_candidate(text, expected):
    assert pii.redact(text) == expected
    assert pii.find(expected) == NONE


def test_redact_keeps_ordinary_text():
    assert pii.redact("Rear-end shunt, claim 12345, queue fast_track") == (
        "Rear-end shunt, claim 12345, queue fast_track"
    )


def test_long_text_is_cut_around_the_first_finding():
    text = "a" * 500 + " call 020 7946 0958 " + "b" * 500
    # The label starts at 506; the 160-character window opens a third of it (53) earlier,
    # at 453: 47 a's, " call [phone number] " (21 characters), then 92 b's.
    assert pii.redact(text) == "…" + "a" * 47 + " call [phone number] " + "b" * 92 + "…"


def test_long_text_with_the_finding_at_the_start_is_cut_at_the_end_only():
    # "[e-mail address] " is 17 characters; the window keeps 160, so 143 b's follow.
    assert pii.redact("x@y.com " + "b" * 400) == "[e-mail address] " + "b" * 143 + "…"


def test_a_text_of_exactly_the_width_is_shown_whole():
    assert pii.redact("b" * 160) == "b" * 160
    # "call [phone number] " is 20 characters: with 140 b's exactly the width, no ellipsis.
    assert pii.redact("call 020 7946 0958 " + "b" * 140) == "call [phone number] " + "b" * 140


def test_the_window_stays_inside_the_text_at_its_end():
    # The label starts at 501 and the text ends at 515: a window opening at 501 - 53 would run
    # past the end, so it opens at 515 - 160 = 355: 145 a's and " [phone number]".
    assert pii.redact("a" * 500 + " 020 7946 0958") == "…" + "a" * 145 + " [phone number]"


def test_the_window_opens_before_the_first_label_of_any_kind():
    # An e-mail address at 0, a phone number and a second address far behind: the window
    # keeps the first, so it opens at 0 (17 + 143 = 160 characters).
    text = "x@y.com " + "b" * 400 + " 020 7946 0958 z@w.com"
    assert pii.redact(text) == "[e-mail address] " + "b" * 143 + "…"


def test_the_window_opens_before_an_unconfirmed_number_too():
    # "[number]" starts at 506: 47 a's, " acct [number] " (15 characters), 98 b's.
    text = "a" * 500 + " acct 1234567 " + "b" * 500
    assert pii.redact(text) == "…" + "a" * 47 + " acct [number] " + "b" * 98 + "…"


def test_a_long_text_without_personal_data_is_cut_at_the_end():
    assert pii.redact("c" * 300) == "c" * 160 + "…"


@pytest.mark.parametrize(
    ("label", "n", "expected"),
    [
        ("e-mail address", 1, "e-mail address"),
        ("e-mail address", 2, "e-mail addresses"),
        ("IBAN", 0, "IBANs"),
        ("phone number", 3, "phone numbers"),
    ],
)
def test_plural(label, n, expected):
    assert pii.plural(label, n) == expected


@pytest.mark.parametrize(
    ("text", "expected", "counts"),
    [
        ("mail zoë@example.com", "mail [e-mail address]", {"emails": 1}),
        ("call (555) 123-4567 now", "call [phone number] now", {"phones": 1}),
        ("acct 1234-5678 9", "acct [number]", {}),  # unconfirmed, still hidden
        ("on 2026-11-10 at 08:03", "on [number] at 08:03", {}),  # errs on hiding
        ("ref A12 and 123456", "ref A12 and 123456", {}),  # six digits stay
        ("ref A12 and 1234567", "ref A12 and [number]", {}),  # seven are hidden
    ],
)
def test_redaction_hides_what_the_patterns_might_miss(text, expected, counts):
    assert pii.redact(text) == expected
    assert {k: v for k, v in pii.find(text).items() if v} == counts
