"""Personal data in log text: which numbers count, and that examples are shown redacted."""

from __future__ import annotations

import pytest

from workbook.evidence import engine, pii

# Published test card numbers (Visa, Mastercard, American Express) and the same with one digit
# changed: the Luhn check must tell them apart.
CARDS = ["4111111111111111", "5555555555554444", "378282246310005"]
ALTERED_CARDS = ["4111111111111112", "5555555555554445", "378282246310006"]
# The IBANs of the ISO 13616 / ECBS examples, and the same with the check digits changed.
IBANS = ["GB82WEST12345698765432", "DE89370400440532013000"]
ALTERED_IBANS = ["GB83WEST12345698765432", "DE88370400440532013000"]


@pytest.fixture(scope="module")
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


# (text, raw personal data that must not survive, label that must replace it)
REDACT_TABLE = [
    ("card 4111 1111 1111 1111 on file", ["4111", "1111 1111"], "[payment card number]"),
    ("paid with 5555555555554444", ["5555555555554444", "4444"], "[payment card number]"),
    ("IBAN GB82 WEST 1234 5698 7654 32", ["GB82", "WEST", "5698"], "[IBAN]"),
    ("to DE89370400440532013000", ["DE89", "370400440532013000"], "[IBAN]"),
    ("write to jane.doe@example.co.uk", ["jane.doe", "example.co.uk"], "[e-mail address]"),
    ("call +44 20 7946 0958", ["7946", "0958", "+44"], "[phone number]"),
    ("call 020 7946 0958", ["7946", "0958"], "[phone number]"),
    # Not a valid card, but still a long number: hidden all the same.
    ("card 4111 1111 1111 1112", ["4111", "1112"], "[number]"),
    ("account 9912345678 closed", ["9912345678", "12345"], "[number]"),
]


@pytest.mark.parametrize(("text", "raw", "label"), REDACT_TABLE)
def test_redact_hides_every_candidate(text, raw, label):
    shown = pii.redact(text)
    assert label in shown
    for fragment in raw:
        assert fragment not in shown
    assert pii.find(shown) == NONE


def test_redact_keeps_ordinary_text():
    assert pii.redact("Rear-end shunt, claim 12345, queue fast_track") == (
        "Rear-end shunt, claim 12345, queue fast_track"
    )


def test_long_text_is_cut_around_the_first_finding():
    text = "a" * 500 + " call 020 7946 0958 " + "b" * 500
    shown = pii.redact(text)
    assert "[phone number]" in shown
    assert shown.startswith("…") and shown.endswith("…")
    assert len(shown) == 160 + 2
    assert "7946" not in shown


def test_long_text_with_the_finding_at_the_start_is_cut_at_the_end_only():
    shown = pii.redact("x@y.com " + "b" * 400)
    assert shown.startswith("[e-mail address] ")
    assert shown.endswith("…") and len(shown) == 161


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
    ],
)
def test_redaction_hides_what_the_patterns_might_miss(text, expected, counts):
    assert pii.redact(text) == expected
    assert {k: v for k, v in pii.find(text).items() if v} == counts
