"""Notebook views: escaped HTML, honest text twins, loud expiries."""

from __future__ import annotations

import re

import pytest

from conftest import AS_OF, findings, full_record, make_record, signoff
from workbook.model.assess import assess
from workbook.model.criteria import STATUSES
from workbook.present import views

HOSTILE = '<img src=x onerror="window.__pwned=1">'


@pytest.fixture
def hostile_assessment(default_catalogue):
    record = full_record(
        {
            "name": HOSTILE,
            "summary": f"summary {HOSTILE}",
            "sponsor": "<script>alert(1)</script>",
            "scope.in_scope": [HOSTILE],
            "scope.demo_conditions": [
                {"condition": "other", "description": HOSTILE, "real_use_handling": "<b>bold</b>"}
            ],
            "data.gaps": [
                {
                    "id": "g1",
                    "description": HOSTILE,
                    "severity": "critical",
                    "owner": "<i>o</i>",
                    "due": "2026-11-01",
                    "status": "open",
                }
            ],
            "ownership.escalation": [{"trigger": HOSTILE, "target": "<u>t</u>"}],
            "waivers": [
                {
                    "criterion": "trust.fallback_exercised",
                    "reason": HOSTILE,
                    "approver": "<s>x</s>",
                    "expires": "2026-11-01",
                }
            ],
            "evidence": [
                {"kind": "drill", "path": "a<b>.md", "date": "2026-11-01", "note": HOSTILE}
            ],
        }
    )
    return assess(record, default_catalogue, AS_OF, findings(record))


def all_views(a):
    r = a.record
    return [
        views.cover(a),
        views.status_table(a, ["scope", "data", "trust", "governance"]),
        views.blockers(a),
        views.waivers(a),
        views.signoffs(a),
        views.not_applicable(a),
        views.scope_record(r),
        views.data_record(r, a.as_of),
        views.ownership_record(r),
        views.observability_record(r),
        views.trust_record(r),
        views.governance_record(r),
        views.evidence_list(r, a),
        views.appendix(a, {"initiative_path": HOSTILE}, "default.yaml"),
    ]


def test_every_view_escapes_user_text(hostile_assessment):
    for view in all_views(hostile_assessment):
        html = view._repr_html_()
        # Views use none of these tags themselves; any occurrence came from user text.
        for tag in ("<img", "<script", "<b>", "<i>", "<u>", "<s>"):
            assert tag not in html, (tag, html[:200])
    joined = "".join(v._repr_html_() for v in all_views(hostile_assessment))
    assert "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;" in joined
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in joined
    assert "&lt;b&gt;bold&lt;/b&gt;" in joined


def test_views_only_emit_their_own_markup(hostile_assessment):
    own = {
        "div",
        "p",
        "span",
        "strong",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "ul",
        "li",
        "code",
        "br",
    }
    for view in all_views(hostile_assessment):
        tags = set(re.findall(r"<([a-z]+)[\s>]", view._repr_html_()))
        assert tags <= own, tags - own


def test_badge_spells_every_status_out():
    for status in STATUSES:
        html = views.badge(status)
        assert status.replace("_", " ") in html
        assert "background:" in html


def test_cover_headline_and_overclaim(default_catalogue):
    record = make_record({"stage": "production"})
    a = assess(record, default_catalogue, AS_OF, findings(record))
    cover = views.cover(a)
    assert a.headline in cover.html and "OVERCLAIMED" in cover.html
    assert repr(cover).splitlines()[1] == f"{a.headline} OVERCLAIMED"


def test_expired_waiver_is_loud_and_valid_one_counts_days(default_catalogue):
    record = make_record(
        {
            "waivers": [
                {
                    "criterion": "scope.workflow",
                    "reason": "r",
                    "approver": "CIO",
                    "expires": "2026-11-01",
                },
                {
                    "criterion": "data.sources",
                    "reason": "r",
                    "approver": "CIO",
                    "expires": "2026-12-03",
                },
            ]
        }
    )
    v = views.waivers(assess(record, default_catalogue, AS_OF, findings(record)))
    assert "⚠ EXPIRED" in v.html and "valid, 10 days left" in v.html
    assert repr(v).splitlines() == [
        "EXPIRED scope.workflow on 2026-11-01",
        "waived data.sources until 2026-12-03",
    ]


def test_signoff_for_earlier_version_is_marked(tiny):
    record = make_record(
        {"signoffs": [signoff("abcdef012345", "2026-11-01", "business_owner", "Ann")]}
    )
    v = views.signoffs(assess(record, tiny, AS_OF, findings(record)))
    assert "given for an earlier version" in v.html
    assert repr(v) == "production business_owner 2026-11-01 EARLIER VERSION"


def test_overdue_open_gap_is_flagged(default_catalogue):
    record = make_record(
        {
            "data.gaps": [
                {"id": "late", "description": "d", "due": "2026-11-01", "status": "open"},
                {"id": "done", "description": "d", "due": "2026-11-01", "status": "closed"},
            ]
        }
    )
    html = views.data_record(record, AS_OF).html
    assert html.count("overdue") == 1


def test_blockers_say_what_would_satisfy_them(default_catalogue):
    record = make_record({"stage": "mvp"})
    a = assess(record, default_catalogue, AS_OF, findings(record))
    html = views.blockers(a).html
    for r in a.blockers:
        assert views.esc(r.criterion.satisfied_by) in html


def test_cover_counts_expired_waivers_and_outdated_signoffs(tiny):
    record = make_record(
        {
            "waivers": [
                {"criterion": "t.logs", "reason": "r", "approver": "CIO", "expires": "2026-11-01"}
            ],
            "signoffs": [signoff()],
        }
    )
    cover = views.cover(assess(record, tiny, AS_OF, findings(record)))
    assert "<th scope='row'>Waivers expired</th><td><strong" in cover.html
    assert "<th scope='row'>Sign-offs for an earlier version</th><td><strong" in cover.html
    assert repr(cover).splitlines()[-1] == "Waivers expired: 1; sign-offs for an earlier version: 1"


def test_badges_reach_wcag_aa_contrast():
    def luminance(colour: str) -> float:
        rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    for status, (_, bg, fg) in views.STATUS_STYLE.items():
        hi, lo = sorted([luminance(bg), luminance(fg)], reverse=True)
        assert (hi + 0.05) / (lo + 0.05) >= 4.5, status
    hi, lo = luminance("#ffffff"), luminance(views.LOUD)
    assert (hi + 0.05) / (lo + 0.05) >= 4.5
