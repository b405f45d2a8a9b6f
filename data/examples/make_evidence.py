"""Write the generated evidence files of the example portfolio, byte for byte the same each run.

The log samples of four examples are generated rather than exported from a real system (the
initiatives are invented): a week of sampled claims triage requests, a week of support reply
drafts (five of which still hold an unmasked e-mail address or phone number), a week of
field-service OpenTelemetry spans (the Midlands spans lack decision context), and a week of
the ticket routing model's gateway requests after the service desk gave it to every agent
(several times the volume and users its controlled use allows). Every name is masked
(``[NAME]``) and every user id pseudonymous; the few e-mail addresses and phone numbers are
fictitious (``example.com``, and numbers from the ranges Ofcom reserves for drama).

Run it from the repository root with the standard library only::

    python data/examples/make_evidence.py

Each generator uses its own seeded random source, so changing one file leaves the others
as they are; compressed files carry a zero gzip time stamp, so their digests do not change
either. After regenerating, re-sign claims-triage (see README.md, "Keeping the sign-offs
current").
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import math
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
EVIDENCE = HERE / "evidence"
UTC = dt.UTC


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _times(rng: random.Random, day: dt.date, count: int, start: float, end: float,
           peak: float) -> list[dt.datetime]:  # fmt: skip
    """``count`` sorted moments on ``day`` between hours ``start`` and ``end`` (UTC), denser
    around ``peak`` (a triangular distribution: the morning rush of an intake desk)."""
    out = []
    for _ in range(count):
        hour = rng.triangular(start, end, peak)
        out.append(dt.datetime.combine(day, dt.time(), UTC) + dt.timedelta(hours=hour))
    return sorted(out)


def _latency(rng: random.Random, median: float, spread: float) -> int:
    """A log-normal latency in ms: most calls near the median, a long slow tail."""
    return round(median * math.exp(rng.gauss(0, spread)))


def _hex(rng: random.Random, digits: int) -> str:
    return f"{rng.getrandbits(4 * digits):0{digits}x}"


def _jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows).encode()


# --- claims-triage: a week of sampled triage requests ------------------------------------

#: (product, description with {slots}, queue, guide section, missing items it may list)
CLAIMS = [
    (
        "motor",
        "Rear-end shunt {where}, {who} says {panel} dented, car drivable, other driver "
        "gave details",
        "fast_track",
        "s4.2.1",
        ["photos"],
    ),
    (
        "motor",
        "TP reversed into PH vehicle {where}, TP admits fault, {panel} scraped",
        "fast_track",
        "s4.2.1",
        ["photos", "TP insurer"],
    ),
    (
        "motor",
        "Windscreen chip turned into crack {where}, no other damage",
        "fast_track",
        "s4.1",
        ["photos"],
    ),
    (
        "motor",
        "Parked car hit by unknown vehicle {where}, {panel} damaged, no note left",
        "standard",
        "s4.2.4",
        ["photos"],
    ),
    (
        "motor",
        "Collision {where}, both drivers say other at fault, {panel} damaged, no witnesses",
        "complex",
        "s4.3",
        ["dashcam footage", "sketch of scene"],
    ),
    (
        "motor",
        "Vehicle stolen from {place} overnight, keys still in house, reported to police ref [REF]",
        "complex",
        "s4.4",
        ["police reference", "V5C"],
    ),
    (
        "motor",
        "Catalytic converter stolen {where}, car undrivable",
        "standard",
        "s4.4.2",
        ["police reference"],
    ),
    (
        "motor",
        "Hit a pothole {where}, tyre and alloy damaged",
        "fast_track",
        "s4.2.1",
        ["repair estimate"],
    ),
    (
        "motor",
        "Car slid on ice {where} into a garden wall, {panel} damaged, wall partly down",
        "complex",
        "s4.3",
        ["photos", "wall owner details"],
    ),
    ("motor", "Keyed down {panel} {where}, no witnesses", "standard", "s4.2.4", ["photos"]),
    (
        "motor",
        "Side mirror clipped by passing van {where}, van drove off, partial reg noted",
        "standard",
        "s4.2.4",
        ["photos"],
    ),
    (
        "motor",
        "NFU cover? caller asks whether hire car included, accident {when}, {panel} damage",
        "standard",
        "s4.2",
        [],
    ),
    (
        "motor",
        "Deer ran out {where}, {panel} and headlamp broken, car towed",
        "standard",
        "s4.2.3",
        ["recovery invoice"],
    ),
    (
        "motor",
        "Break-in {where}, window smashed, sat nav and bag taken",
        "standard",
        "s4.4.1",
        ["police reference", "list of items"],
    ),
    (
        "motor",
        "Flood water {where}, engine cut out, car recovered to garage",
        "complex",
        "s4.3.2",
        ["garage report"],
    ),
    (
        "motor",
        "Hit and run {where}, {panel} damaged, [NAME] took a photo of the reg [REG]",
        "complex",
        "s4.3",
        ["police reference"],
    ),
    (
        "home",
        "Water coming through {room} ceiling from bathroom above, plumber attended, ceiling "
        "partly down",
        "standard",
        "s5.3",
        ["leak detection report"],
    ),
    (
        "home",
        "Storm took ridge tiles off {when}, rain got into loft, {item} soaked",
        "standard",
        "s5.5",
        ["roofer quote"],
    ),
    (
        "home",
        "Burst pipe in loft while family away {days}, damage to {room} and landing",
        "specialist",
        "s5.3.4",
        ["plumber report"],
    ),
    (
        "home",
        "{item} dropped by child in the {room}, damaged beyond repair",
        "fast_track",
        "s5.7",
        ["receipt"],
    ),
    (
        "home",
        "Shed broken into {when}, bikes and tools taken",
        "standard",
        "s5.8",
        ["police reference"],
    ),
    (
        "home",
        "Washing machine leak, {room} floor lifting",
        "standard",
        "s5.3",
        ["leak detection report"],
    ),
    (
        "home",
        "Tree fell on {building} in storm {when}, roof damaged",
        "standard",
        "s5.5",
        ["photos", "tree surgeon invoice"],
    ),
    ("home", "Red wine spilled on {item} at a party", "fast_track", "s5.7", ["repair estimate"]),
    (
        "home",
        "Lightning strike {when}, {item} and boiler control board dead",
        "standard",
        "s5.5",
        ["engineer report"],
    ),
    (
        "home",
        "Flat below reports water through their ceiling, source unknown, managing agent involved",
        "complex",
        "s5.3.2",
        ["managing agent contact"],
    ),
    (
        "home",
        "Garage door dented when reversing, own car involved",
        "fast_track",
        "s5.7",
        ["photos"],
    ),
    (
        "home",
        "Break-in through {room} window {when}, jewellery and {item} taken",
        "complex",
        "s5.8.2",
        ["police reference", "list of items"],
    ),
    (
        "home",
        "EOW from {source} in {room}, carpet and skirting soaked",
        "standard",
        "s5.3",
        ["plumber report"],
    ),
    (
        "home",
        "Subsidence cracks noticed above {room} door, getting wider since {when}",
        "specialist",
        "s5.6",
        ["surveyor report"],
    ),
    (
        "home",
        "Fire in {room} from {source}, smoke damage to two rooms, fire service attended",
        "specialist",
        "s5.4",
        ["fire service report"],
    ),
]
SLOTS = {
    "where": [
        "at lights",
        "on the ring road",
        "in a supermarket car park",
        "on the A61",
        "outside school",
        "at a roundabout",
        "on the M62",
        "in a multi-storey",
        "on a country lane",
        "on the drive",
        "at a junction",
        "near the station",
        "on the high street",
        "in a retail park",
    ],
    "who": ["[NAME]", "the customer", "PH", "the driver", "caller"],
    "panel": [
        "bumper",
        "bumper and tailgate",
        "rear quarter",
        "front wing",
        "driver door",
        "both doors",
        "bonnet",
        "passenger side",
        "boot lid",
        "rear bumper and sensors",
    ],
    "place": ["driveway", "the street", "a work car park", "outside the house"],
    "when": [
        "yesterday",
        "last night",
        "on Saturday",
        "this morning",
        "on Friday evening",
        "two days ago",
        "over the weekend",
        "on Sunday",
    ],
    "room": ["kitchen", "lounge", "bathroom", "hallway", "bedroom", "dining room", "utility"],
    "item": [
        "laptop",
        "TV",
        "sofa",
        "cream lounge carpet",
        "insulation",
        "router",
        "mobile phone",
        "games console",
        "stored furniture",
        "oak flooring",
    ],
    "days": ["for 3 weeks", "for a fortnight", "over half term", "for ten days"],
    "building": ["the conservatory", "the garage", "the shed", "the greenhouse", "the porch"],
    "source": [
        "the dishwasher",
        "a radiator valve",
        "the boiler",
        "a toaster",
        "a candle",
        "the tumble dryer",
        "the combi boiler",
    ],
}
QUEUES = ["fast_track", "standard", "complex", "specialist"]
#: Pseudonymous ids of the 66 handlers and team leaders (Leeds and Cardiff).
HANDLERS = [f"hdl-{hashlib.sha256(f'handler {i}'.encode()).hexdigest()[:6]}" for i in range(66)]


def _fill(rng: random.Random, text: str) -> str:
    return text.format(**{k: rng.choice(v) for k, v in SLOTS.items()})


def claims_triage_logs() -> bytes:
    """A sample of about one request in forty, Tuesday 10 to Monday 16 November 2026.

    The intake desk works weekdays and Saturday mornings; Monday carries the weekend's claims.
    About one suggestion in twenty is overridden; about one request in a hundred times out and
    goes to manual routing. Text is redacted before logging ([NAME], [REF], [REG]).
    """
    rng = random.Random(20261110)
    days = {  # day: (sampled requests, first hour, last hour, peak hour), UTC = UK time
        dt.date(2026, 11, 10): (52, 7, 20, 9.5),
        dt.date(2026, 11, 11): (48, 7, 20, 9.5),
        dt.date(2026, 11, 12): (47, 7, 20, 9.5),
        dt.date(2026, 11, 13): (44, 7, 20, 9.5),
        dt.date(2026, 11, 14): (21, 8, 14, 9.5),
        dt.date(2026, 11, 16): (61, 7, 20, 9.0),
    }
    rows = []
    for day, (count, start, end, peak) in days.items():
        for moment in _times(rng, day, count, start, end, peak):
            product, text, queue, section, missing = rng.choice(CLAIMS)
            retries = 1 if rng.random() < 0.03 else 0
            latency = _latency(rng, 1450, 0.28) + 700 * retries
            row = {
                "timestamp": _stamp(moment),
                "request_id": f"ct-{_hex(rng, 7)}",
                "user_id": rng.choice(HANDLERS),
                "prompt": "triage-v14",
                "input": f"{product}: {_fill(rng, text)}",
                "output": {
                    "queue": queue,
                    "missing": sorted(rng.sample(missing, rng.randint(0, len(missing)))),
                },
                "error": None,
                "latency_ms": latency,
                "retries": retries,
                "workflow_state": "suggestion_confirmed",
                "human_override": None,
                "decision_context": f"CLMGUIDE-4.7 {section}; injury rule negative",
            }
            roll = rng.random()
            if roll < 0.01:  # the gateway gives up after 6 s: manual routing
                row.update(
                    output=None,
                    error="gateway_timeout",
                    latency_ms=6000,
                    retries=1,
                    workflow_state="manual_routing",
                )
            elif roll < 0.015:  # the content filter blocked the text
                row.update(
                    output=None,
                    error="content_filter_block",
                    latency_ms=_latency(rng, 700, 0.2),
                    workflow_state="manual_routing",
                )
            elif roll < 0.07:  # the handler chose another queue
                row.update(
                    workflow_state="suggestion_overridden",
                    human_override=rng.choice([q for q in QUEUES if q != queue]),
                )
            rows.append(row)
    return _jsonl(rows)


# --- support-reply-drafting: a week of reply drafts -----------------------------------------

#: (topic, customer e-mail with {slots}, draft opening, knowledge articles, billing fields)
EMAILS = [
    (
        "billing",
        "Hi, my bill went up by {amount} pounds this month and I did not change anything. [NAME]",
        "Your bill rose because the annual price change took effect on <<bill_change_date>>...",
        ["KB-1021", "KB-1104"],
        ["plan_name", "next_bill_amount"],
    ),
    (
        "billing",
        "What is the price after my {term} month contract ends?",
        "When your minimum term ends your plan continues at <<out_of_contract_price>> a month...",
        ["KB-1012"],
        ["plan_name", "contract_end_date"],
    ),
    (
        "billing",
        "I upgraded to {speed} mid month, what will my next bill be?",
        "When you change "
        "plan mid-month we charge part of each plan. Your next bill will be "
        "<<next_bill_amount>>...",
        ["KB-1030"],
        ["plan_name", "next_bill_amount"],
    ),
    (
        "billing",
        "Why was I charged twice in {month}? [EMAIL]",
        "I can see two payments in {month}. The second one is...",
        ["KB-1040"],
        ["last_payment_date", "next_bill_amount"],
    ),
    (
        "billing",
        "Bill says {plan} but I am on {speed}, please check",
        "Thank you for checking. Your account shows <<plan_name>> since <<plan_change_date>>...",
        ["KB-1030", "KB-1104"],
        ["plan_name"],
    ),
    (
        "billing",
        "Got a letter about a late payment fee for {month} but I paid on time",
        "I am sorry for the worry. I can see your payment arrived on <<payment_date>>...",
        ["KB-1061"],
        ["last_payment_date"],
    ),
    (
        "billing",
        "Can I get paper bills again, {relative} does not use email",
        "We can send "
        "paper bills to the address on the account. There is a charge of "
        "<<paper_bill_fee>>...",
        ["KB-1075"],
        ["bill_delivery"],
    ),
    (
        "billing",
        "Can I move my direct debit date to the {date}? I get paid later now",
        "We can move your payment date. Your next bill will be collected on "
        "<<new_payment_date>>...",
        ["KB-1052"],
        ["payment_day"],
    ),
    (
        "fault",
        "Internet keeps dropping every evening since {weekday}, line test says sync loss. "
        "Account [ACCOUNT]",
        "I am sorry your connection keeps dropping. The line test on your ticket shows...",
        ["KB-2210", "KB-2233"],
        [],
    ),
    (
        "fault",
        "Speeds are much lower than promised, speed test {slow}Mb on a {speed} plan",
        "Thank you for the speed test result. The line test on your ticket shows...",
        ["KB-2240"],
        [],
    ),
    (
        "fault",
        "No dial tone and no internet since {event}, router lights {light}",
        "I am sorry you are without service. An engineer visit is needed...",
        ["KB-2201"],
        [],
    ),
    (
        "fault",
        "Engineer did not turn up on {weekday}, I took the day off work",
        "I am sorry the engineer did not arrive. A member of our fault team will call you...",
        ["KB-2260"],
        [],
    ),
    (
        "fault",
        "Wifi does not reach the {room}, can I get a booster?",
        "Thank you for asking. Your plan includes <<booster_offer>>...",
        ["KB-2275"],
        ["plan_name"],
    ),
    (
        "fault",
        "Router keeps restarting since the update on {weekday}, light goes {light}",
        "I am sorry about the restarts. The router log on your ticket shows...",
        ["KB-2218"],
        [],
    ),
    (
        "move",
        "We are moving to [ADDRESS] on {date} {month}, can the broadband move with us?",
        "Congratulations on the move. We can move your service; the earliest date we can offer "
        "is <<move_date>>...",
        ["KB-3302"],
        [],
    ),
    (
        "move",
        "Is fibre available at [ADDRESS]? We move in {month}",
        "I have checked the new address. The plans available there are <<available_plans>>...",
        ["KB-3305"],
        [],
    ),
    (
        "move",
        "Do I need a new router when I move house on the {date}?",
        "You can keep your current router. When the move is complete...",
        ["KB-3320"],
        [],
    ),
    (
        "move",
        "Can you install at the new flat before we get the keys on the {date}?",
        "We can only complete installation once someone is at the property. The first date "
        "after <<keys_date>> is <<move_date>>...",
        ["KB-3302"],
        [],
    ),
    (
        "move",
        "Moving out {when}, new tenant wants to keep the line, what do I do",
        "Thank you for letting us know. The new occupier can take over the line if...",
        ["KB-3310"],
        [],
    ),
    (
        "move",
        "Moving in with {relative}, they already have broadband with you, can I cancel mine?",
        "Thank you for letting us know about the move. Your contract ends on "
        "<<contract_end_date>>...",
        ["KB-3315"],
        ["contract_end_date"],
    ),
]
MAIL_SLOTS = {
    "amount": ["3", "4", "6", "7.50", "9", "12"],
    "term": ["12", "18", "24"],
    "speed": ["150Mb", "500Mb", "900Mb", "FIB500", "the 500 plan"],
    "slow": ["8", "12", "19", "27", "35", "48"],
    "plan": ["FIB150", "FIB500", "ADSL17"],
    "month": ["September", "October", "November", "December", "January"],
    "relative": ["my mum", "my dad", "my partner", "my nan", "my landlord"],
    "date": ["3rd", "9th", "12th", "15th", "20th", "28th"],
    "weekday": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "the weekend"],
    "event": ["the storm", "last night", "Sunday", "the roadworks", "the power cut"],
    "light": ["red", "orange", "flashing blue", "off"],
    "room": ["loft room", "back bedroom", "garden office", "kitchen extension"],
    "when": ["next week", "at the end of the month", "on Friday", "in two weeks"],
    # How customers end an e-mail (added after the message).
    "signoff": [
        "",
        "",
        " Thanks",
        " Thanks, [NAME]",
        " Regards, [NAME]",
        " Cheers",
        " Many thanks",
        " Kind regards, [NAME]",
        " Please reply asap",
    ],
}
#: Messages that name retention or a complaint are never drafted (blocked by rule).
EXCLUDED = [
    "My discount ended without warning, I want it back",
    "I want to leave, what is my cancellation fee?",
    "This is a formal complaint about the engineer",
    "Third outage this month, I want compensation and to cancel",
]
#: Five drafts that slipped through with contact details unmasked (what the breach shows):
#: (day, topic, e-mail, draft); the addresses and numbers are fictitious.
LEAKS = [
    (
        dt.date(2026, 11, 13),
        "billing",
        "Please send my September bill again, I cannot find it",
        "I have sent a copy of your September bill to m.okonkwo@example.com; it should arrive "
        "within the hour...",
    ),
    (
        dt.date(2026, 11, 14),
        "fault",
        "Engineer did not turn up again, nobody called me",
        "I am sorry the engineer did not arrive. A member of our fault team will call you on "
        "07700 900417 before 6pm today...",
    ),
    (
        dt.date(2026, 11, 16),
        "move",
        "Please confirm the move date by text, I am never at my desk",
        "We will text the confirmed move date to 07700 900982 as soon as it is booked...",
    ),
    (
        dt.date(2026, 11, 17),
        "billing",
        "Send the refund confirmation to my work address please",
        "The refund confirmation will go to j.harrow@example.org within two working days...",
    ),
    (
        dt.date(2026, 11, 18),
        "fault",
        "Can the engineer ring my neighbour for access?",
        "The engineer will call your neighbour on 0117 496 0731 on the morning of the visit...",
    ),
]
EDITS = ["inserted_unchanged", "edited_8pct", "edited_12pct", "edited_19pct", "edited_31pct"]


def _draft(rng: random.Random, topic: str, mail: str, opening: str, articles: list[str],
           fields: list[str]) -> dict:  # fmt: skip
    row = {
        "prompt": f"care-draft-1.4/{topic}",
        "input": mail,
        "output": f"Hello [NAME], {opening}",
        "error": None,
        "latency_ms": _latency(rng, 2550, 0.22),
        "retries": 0,
        "workflow_state": "draft_inserted",
        "human_override": rng.choice(EDITS),
        "decision_context": {"articles": articles, "billing_fields": fields},
    }
    if rng.random() < 0.16:
        row.update(workflow_state="draft_discarded", human_override="discarded")
    return row


def support_reply_logs() -> bytes:
    """Every request of Friday 13 to Thursday 19 November 2026 in one of the three email queues.

    Inputs, prompts and outputs are planned as redacted; five drafts still hold an e-mail
    address or a phone number (2 and 3), which is the breach the example shows.
    """
    rng = random.Random(20261119)
    days = {dt.date(2026, 11, 13) + dt.timedelta(days=i): n
            for i, n in enumerate([38, 22, 14, 45, 41, 40, 37])}  # fmt: skip
    rows = []
    for day, count in days.items():
        weekend = day.weekday() >= 5
        moments = _times(rng, day, count, 9 if weekend else 8, 16 if weekend else 20, 11)
        leaks = [leak for leak in LEAKS if leak[0] == day]
        slots = sorted(rng.sample(range(count), len(leaks)))
        for i, moment in enumerate(moments):
            if i in slots:
                _, topic, mail, draft = leaks[slots.index(i)]
                row = _draft(rng, topic, mail, draft, ["KB-2260"], [])
            elif rng.random() < 0.02:
                row = {"prompt": f"care-draft-1.4/{rng.choice(['billing', 'fault'])}",
                       "input": rng.choice(EXCLUDED), "output": "", "error": None,
                       "latency_ms": _latency(rng, 150, 0.2), "retries": 0,
                       "workflow_state": "blocked_excluded_topic", "human_override": None,
                       "decision_context": {"articles": [],
                                            "rule": "retention_or_complaint_keywords"}}  # fmt: skip
            else:
                topic, mail, opening, articles, fields = rng.choice(EMAILS)
                chosen = {k: rng.choice(v) for k, v in MAIL_SLOTS.items()}
                row = _draft(rng, topic, mail.format(**chosen) + chosen["signoff"],
                             opening.format(**chosen),
                             articles, fields)  # fmt: skip
                if rng.random() < 0.012:  # the model timed out: the agent writes the reply
                    row.update(
                        output="",
                        error="model_timeout",
                        latency_ms=30000,
                        retries=2,
                        workflow_state="manual_reply",
                        human_override=None,
                    )
            rows.append({"timestamp": _stamp(moment), "request_id": f"ca-{_hex(rng, 8)}", **row})
    return _jsonl(rows)


# --- field-service-notes: a week of OpenTelemetry spans -------------------------------------

SYSTEM = (
    "You write the visit report of a lift engineer from the engineer's own notes only. "
    "Use the sections work_done, findings, safety, follow_ups and return JSON. Never add "
    "a part, floor, fault or fact that is not in the notes. Safety phrases are inserted "
    "by the application; do not rephrase them."
)
#: (visit type, note with {slots}, work done, findings, safety phrases copied, follow-ups)
VISITS = [
    (
        "PM",
        "c/o monthly PM. ropes insp ok, slight wear on no.{n} monitor. DOL sticking fl{fl} "
        "adj + cleaned track. alarm tested ok, spoke to [NAME] on site.",
        "Monthly planned maintenance. Door operator at floor {fl} adjusted and track cleaned.",
        "Slight wear on rope {n}, within limits; to be monitored.",
        [],
        ["Re-inspect rope {n} at next visit"],
    ),
    (
        "PM",
        "monthly PM. trap door to MR not closing properly, latch bent - temp fixed with "
        "cable tie, NOT SECURE. {extra}",
        "Monthly planned maintenance. Machine room trap door latch temporarily secured.",
        "Trap door latch bent.",
        ["NOT SECURE"],
        ["Replace trap door latch"],
    ),
    (
        "PM",
        "PM. lubed guides, checked brake, {part} worn approx {pct}%, quote for replacement. "
        "{extra}",
        "Planned maintenance: guides lubricated, brake checked.",
        "{part} worn by about {pct}%.",
        [],
        ["Quote for {part} replacement"],
    ),
    (
        "PM",
        "quarterly PM car {car}. landing doors fl{fl}-{fl2} gaps measured ok, pit clean, "
        "buffer oil topped up. {extra}",
        "Quarterly planned maintenance on car {car}: landing door gaps measured, pit cleaned, "
        "buffer oil topped up.",
        "No defects found.",
        [],
        [],
    ),
    (
        "PM",
        "PM. emergency lighting in car {car} not working, battery pack dead. DO NOT USE for "
        "passengers until replaced, building manager [NAME] informed.",
        "Planned maintenance on car {car}.",
        "Emergency lighting battery pack failed.",
        ["DO NOT USE"],
        ["Replace emergency lighting battery pack"],
    ),
    (
        "BD",
        "BD callout {time}. car stuck fl{fl}, {cause}. reset controller, ran {runs} test "
        "trips ok. {extra}",
        "Breakdown callout: car stopped at floor {fl}; controller reset and {runs} test trips run.",
        "{cause_cap}.",
        [],
        [],
    ),
    (
        "BD",
        "BD. doors reopening repeatedly fl{fl}, {part} dirty/misaligned, cleaned + realigned. "
        "{extra}",
        "Breakdown callout: doors at floor {fl} reopening; {part} cleaned and realigned.",
        "{part_cap} misaligned.",
        [],
        [],
    ),
    (
        "BD",
        "BD callout {time}. lift out of service, {fault}. {part} replaced from van stock. "
        "returned to service {back}.",
        "Breakdown callout: {fault}; {part} replaced.",
        "{fault_cap}.",
        [],
        [],
    ),
    (
        "BD",
        "BD. car levelling {mm}mm low at fl{fl}, TRIP HAZARD, lift taken out of service, "
        "encoder fault suspected, parts ordered.",
        "Breakdown callout: car levelling {mm} mm low at floor {fl}; lift taken out of service.",
        "Encoder fault suspected.",
        ["TRIP HAZARD"],
        ["Fit encoder when parts arrive"],
    ),
    (
        "BD",
        "BD callout {time}. alarm line fault, autodialler not connecting, tested with {who}. "
        "{extra}",
        "Breakdown callout: alarm line fault investigated.",
        "Autodialler not connecting.",
        [],
        ["Raise line fault with telecom provider"],
    ),
]
VISIT_SLOTS = {
    "n": ["1", "2", "3", "4", "5"],
    "fl": [str(i) for i in range(0, 12)],
    "fl2": [str(i) for i in range(12, 20)],
    "car": ["A", "B", "1", "2", "3", "goods"],
    "part": [
        "door gibs",
        "landing lock",
        "door belt",
        "safety edge",
        "door contact",
        "guide shoes",
        "brake lining",
        "roller guides",
        "door operator belt",
    ],
    "pct": ["20", "30", "40", "50", "60"],
    "time": ["07:40", "09:15", "11:05", "13:30", "15:50", "18:10", "20:25"],
    "cause": [
        "door lock not made",
        "overspeed governor tripped",
        "power dip",
        "door zone sensor fault",
        "inverter fault code 31",
        "safety edge stuck in",
    ],
    "runs": ["5", "10", "15", "20"],
    "fault": [
        "drive fault",
        "door operator motor failed",
        "landing button stuck",
        "controller board fault",
        "car light failure",
        "door lock fault",
    ],
    "back": ["11:20", "13:45", "15:10", "17:30", "same day", "after 2 hrs"],
    "mm": ["15", "20", "25", "30", "40"],
    "who": ["the monitoring centre", "site security", "the caretaker", "[NAME] at reception"],
    "extra": [
        "",
        "customer aware.",
        "logbook signed.",
        "spoke to [NAME] on site.",
        "site contact [NAME] informed.",
        "no further action.",
        "parts on van.",
    ],
}


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _span(rng: random.Random, moment: dt.datetime, region: str) -> dict:
    visit_type, note, work, finding, phrases, follow = rng.choice(VISITS)
    slots = {k: rng.choice(v) for k, v in VISIT_SLOTS.items()}
    slots.update({f"{k}_cap": _cap(slots[k]) for k in ("cause", "part", "fault")})
    note = " ".join(note.format(**slots).split())
    report = {
        "work_done": work.format(**slots),
        "findings": finding.format(**slots),
        "safety": phrases,
        "follow_ups": [f.format(**slots) for f in follow],
    }
    in_tokens, out_tokens = 220 + 2 * len(note) // 5, 80 + rng.randint(0, 70)
    seconds = max(1.2, rng.lognormvariate(math.log(3.4), 0.3))
    end = moment + dt.timedelta(seconds=seconds)
    attributes = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "azure.ai.openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.request.temperature": 0.0,
        "server.address": "tallis-fieldai-uksouth.openai.azure.com",
        "http.request.resend_count": 0,
        "gen_ai.system_instructions": json.dumps(
            [{"type": "text", "content": SYSTEM}], separators=(",", ":")
        ),
        "gen_ai.input.messages": json.dumps(
            [
                {
                    "role": "user",
                    "parts": [
                        {"type": "text", "content": f"Visit type {visit_type}. Notes: {note}"}
                    ],
                }
            ],
            separators=(",", ":"),
        ),
        "tallis.visit.id": f"V-26-{rng.randint(4400000, 4499999)}",
        "tallis.visit.type": visit_type,
        "tallis.prompt.template": "visit-report-v8",
    }
    status: dict = {"status_code": "UNSET"}
    events: list = []
    if rng.random() < 0.01:  # the model call timed out: the engineer fills the blank form
        end = moment + dt.timedelta(seconds=15)
        status = {"status_code": "ERROR", "description": "Request timed out."}
        attributes["error.type"] = "openai.APITimeoutError"
        events = [{"name": "exception", "timestamp": _iso(end), "attributes": {
            "exception.type": "openai.APITimeoutError", "exception.message": "Request timed out.",
            "exception.escaped": "False"}}]  # fmt: skip
        attributes["tallis.visit.report_state"] = "blank_form_used"
    else:
        attributes.update({
            "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
            "gen_ai.response.id": f"chatcmpl-{_hex(rng, 24)}",
            "gen_ai.response.finish_reasons": ["stop"],
            "gen_ai.usage.input_tokens": in_tokens,
            "gen_ai.usage.output_tokens": out_tokens,
            "gen_ai.output.messages": json.dumps(
                [{"role": "assistant", "parts": [{"type": "text", "content": json.dumps(report)}],
                  "finish_reason": "stop"}], separators=(",", ":")),
            "tallis.visit.report_state": rng.choices(["signed_sent", "signed_held"], [95, 5])[0],
            "tallis.report.engineer_edit": rng.choices(["none", "edited_minor", "edited_major"],
                                                       [57, 31, 12])[0],
        })  # fmt: skip
    if region == "north-west":  # the Midlands runs summariser 2.2, without the attribute
        attributes["tallis.summary.decision_context"] = json.dumps(
            {"safety_list": "QMS-SP-2026.3", "safety_phrases_copied": phrases,
             "facts_flagged": []}, separators=(",", ":"))  # fmt: skip
    return {
        "name": "chat gpt-4o-mini",
        "context": {"trace_id": f"0x{_hex(rng, 32)}", "span_id": f"0x{_hex(rng, 16)}",
                    "trace_state": "[]"},
        "kind": "SpanKind.CLIENT",
        "parent_id": f"0x{_hex(rng, 16)}",
        "start_time": _iso(moment),
        "end_time": _iso(end),
        "status": status,
        "attributes": attributes,
        "events": events,
        "links": [],
        "resource": {"attributes": {
            "telemetry.sdk.language": "python", "telemetry.sdk.name": "opentelemetry",
            "telemetry.sdk.version": "1.38.0", "service.name": "visit-summariser",
            "service.version": "2.3.0" if region == "north-west" else "2.2.4",
            "deployment.environment.name": "live", "tallis.region": region},
            "schema_url": ""},
    }  # fmt: skip


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def field_service_spans() -> bytes:
    """A sample of model-call spans, Thursday 12 to Wednesday 18 November 2026, both regions.

    About 40 spans a working day and a few on Saturday's breakdown cover; 60% from the North
    West, whose spans carry decision context; the Midlands' do not.
    """
    rng = random.Random(20261118)
    days = {dt.date(2026, 11, 12) + dt.timedelta(days=i): n
            for i, n in enumerate([42, 40, 12, 0, 41, 40, 43])}  # fmt: skip
    spans = []
    for day, count in days.items():
        for moment in _times(rng, day, count, 7, 19, 12):
            region = "north-west" if rng.random() < 0.6 else "midlands"
            spans.append(_span(rng, moment, region))
    return gzip.compress(_jsonl_spaced(spans), mtime=0)


def _jsonl_spaced(rows: list[dict]) -> bytes:
    # As the OpenTelemetry SDK's console exporter writes them: ", " and ": " separators.
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


# --- it-ticket-routing: a week of the model gateway's requests, after the wide roll-out ---------

#: A selection of the 41 resolver groups and the categories tickets land in.
GROUPS = [
    ("EUC Sheffield", "hardware"), ("EUC Glasgow", "hardware"), ("Service Desk L2", "access"),
    ("Identity and Access", "access"), ("Network Operations", "network"),
    ("Messaging and Collaboration", "email"), ("ERP Finance Support", "application"),
    ("ERP Supply Chain Support", "application"), ("PLM Support", "application"),
    ("Print Services", "hardware"), ("Telephony", "network"), ("HR Systems", "application"),
    ("Database Operations", "application"), ("Windows Server Team", "infrastructure"),
    ("Mobile Devices", "hardware"), ("Software Packaging", "software"),
]  # fmt: skip
#: Pseudonymous ids of the agents who called the model in the week: the six Sheffield
#: dispatchers of the declared controlled use, 20 more Sheffield agents and 22 in Glasgow.
DISPATCHERS = [f"ag-{hashlib.sha256(f'dispatcher {i}'.encode()).hexdigest()[:6]}" for i in range(6)]
SHEFFIELD = [f"ag-{hashlib.sha256(f'sheffield {i}'.encode()).hexdigest()[:6]}" for i in range(20)]
GLASGOW = [f"ag-{hashlib.sha256(f'glasgow {i}'.encode()).hexdigest()[:6]}" for i in range(22)]
#: Requests on each day of Monday 16 to Sunday 22 November 2026 (weekends: the on-call agents).
ROUTING_DAYS = {dt.date(2026, 11, 16) + dt.timedelta(days=i): n
                for i, n in enumerate([1046, 968, 931, 902, 815, 74, 41])}  # fmt: skip


def ticket_routing_requests() -> bytes:
    """Every request to the routing model, Monday 16 to Sunday 22 November 2026.

    On 9 November the service desk switched the suggestion on for every agent of the
    Sheffield and Glasgow desks (the record still declares six Sheffield dispatchers and 300
    requests a day), and the ticket form now also asks again when a ticket is reassigned.
    Request metadata only, as the gateway keeps it: no ticket text, agents pseudonymised.
    Below 0.6 confidence the model returns no group; about one request in 200 times out.
    """
    rng = random.Random(20261122)
    ticket = 418_230  # the first new ticket number of the week
    channels: dict[str, str] = {}  # ticket number: how it came in
    rows = []
    for day, count in ROUTING_DAYS.items():
        weekend = day.weekday() >= 5
        agents = (rng.sample(SHEFFIELD, 2) + rng.sample(GLASGOW, 2)) if weekend else (
            DISPATCHERS * 4 + SHEFFIELD + GLASGOW)  # fmt: skip
        for moment in _times(rng, day, count, 8 if weekend else 6.5, 17 if weekend else 19, 9.5):
            if channels and rng.random() < 0.16:  # a reassignment: the form asks again
                number, trigger = rng.choice(list(channels)[-400:]), "reassigned"
            else:  # numbers are shared with tickets the model never sees (security, OT)
                ticket += rng.choice([1, 1, 1, 2])
                number, trigger = f"{rng.choice(['INC', 'INC', 'INC', 'REQ'])}0{ticket}", "created"
                channels[number] = rng.choice(["portal", "portal", "email"])
            group, category = rng.choice(GROUPS)
            confidence = round(min(0.99, rng.betavariate(6, 1.6)), 2)
            row = {
                "timestamp": _stamp(moment),
                "request_id": f"rt-{_hex(rng, 10)}",
                "user_id": rng.choice(agents),
                "model": "ticket-router-3.2",
                "ticket": number,
                "trigger": trigger,
                "channel": channels[number],
                "output": {"group": group, "category": category, "confidence": confidence}
                if confidence >= 0.6
                else {"group": None, "category": None, "confidence": confidence},
                "error": None,
                "latency_ms": _latency(rng, 310, 0.35),
                "retries": 0,
            }
            if rng.random() < 0.005:  # the form stops waiting after 1.5 s
                row.update(output=None, error="endpoint_timeout", latency_ms=1500, retries=1)
            rows.append(row)
    return gzip.compress(_jsonl(rows), mtime=0)


FILES = {
    "claims-triage/logs-2026-11-10-to-16.jsonl": claims_triage_logs,
    "support-reply-drafting/logs-2026-11-13-to-19.jsonl": support_reply_logs,
    "field-service-notes/spans-2026-11-12-to-18.jsonl.gz": field_service_spans,
    "it-ticket-routing/gateway-requests-2026-11-16-to-22.jsonl.gz": ticket_routing_requests,
}


def main() -> None:
    """Write every generated file under evidence/."""
    for name, make in FILES.items():
        path = EVIDENCE / name
        path.write_bytes(make())
        print(f"wrote {path.relative_to(HERE)}")


if __name__ == "__main__":
    main()
