"""The sourcing score: the seeds worked out, weights, provenance, and its invariants."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.checks import example_document
from auditor.errors import ConfigError
from auditor.model import Document
from auditor.score import COMPONENTS, DEFAULT_WEIGHTS, ScoreConfig, grade_for, score_article
from conftest import SEEDS

SEED_000 = str(SEEDS / "000_f37875985f527884.txt")
SEED_001 = str(SEEDS / "001_12b50f974c36efa9.txt")


def points(result: dict) -> dict[str, float]:
    return {c["name"]: c["points"] for c in result["components"]}


def test_contract_shape(auditor):
    result = score_article(auditor.audit_path(SEED_000))
    assert isinstance(result["score"], int) and 0 <= result["score"] <= 100
    assert [c["name"] for c in result["components"]] == list(COMPONENTS)
    for c in result["components"]:
        assert {"name", "weight", "points", "max_points", "explanation", "statements"} <= set(c)
        assert all(isinstance(i, int) for i in c["statements"])
        assert set(c["lost"]) <= set(c["statements"])


def test_seed_000_worked_out(auditor):
    """README: 18.5 + 13.2 + 15 + 15 + 0 + 10 = 71.7 -> 72, B."""
    result = score_article(auditor.audit_path(SEED_000))
    assert points(result) == {
        "attribution": 18.5,  # 17 of 23 statements attributed
        "on_record": 13.2,  # 9 named of 17 named + anonymous
        "sources": 15.0,  # 10 distinct sources, full at 5
        "right_of_reply": 15,  # "Rubio accused ..." and denials / no comment exist
        "anonymity": 0.0,  # 0 of 5 anonymous attributions say why
        "provenance": 10,  # own reporting ("The Post has learned")
    }
    assert (result["score"], result["grade"], result["derivative"]) == (72, "B", False)
    sources = next(c for c in result["components"] if c["name"] == "sources")["explanation"]
    # "…, The Post has learned": the outlet's unnamed people, not an anonymous "the post"
    assert "anonymous: unnamed sources of the post" in sources
    assert "anonymous: the post" not in sources


def test_seed_001_worked_out(auditor):
    """README: 15.8 + 12.5 + 15 + 15 + 0 + 10 = 68.3 -> 68, C; a credited rewrite."""
    result = score_article(auditor.audit_path(SEED_001))
    assert points(result) == {
        "attribution": 15.8,  # 12 of 19
        "on_record": 12.5,  # 6 named of 12
        "sources": 15.0,  # 8 distinct
        "right_of_reply": 15,  # no allegation language
        "anonymity": 0.0,  # 0 of 5
        "provenance": 10,  # credits The New York Post: derivative
    }
    assert (result["score"], result["grade"], result["derivative"]) == (68, "C", True)
    provenance = result["components"][-1]
    assert "The New York Post" in provenance["explanation"]
    assert provenance["statements"] == [2]


def test_lost_points_list_their_statements(auditor):
    audit = auditor.audit_path(SEED_000)
    by_name = {c["name"]: c for c in score_article(audit)["components"]}
    unattributed = [s.index for s in audit.body_statements if "unattributed" in s.labels]
    assert by_name["attribution"]["lost"] == unattributed
    assert by_name["anonymity"]["lost"] == [2, 3, 4, 8, 10]


def test_uncredited_copy_costs_heavily(auditor):
    audit = auditor.audit_path(SEED_000)
    plain = score_article(audit)["score"]
    copied = score_article(
        audit, derivation={"relation": "uncredited_rewrite", "source": "a.txt", "credited": False}
    )
    provenance = copied["components"][-1]
    assert provenance["points"] == -40 and copied["derivative"]
    assert copied["score"] == plain - 50  # loses its 10 provenance points and 40 more
    credited = score_article(
        audit, derivation={"relation": "credited_rewrite", "source": "a.txt", "credited": True}
    )
    assert credited["score"] == plain and credited["derivative"]


def test_suspected_uncredited_rewrite_loses_provenance_points(auditor):
    audit = auditor.audit_path(SEED_000)
    audit.provenance = {
        "own_outlet": None,
        "credited_outlets": [],
        "own_reporting": [],
        "derivative_suspect": True,
        "reason": "reads like a wire story",
    }
    component = score_article(audit)["components"][-1]
    assert component["points"] == 0 and "reads like a wire story" in component["explanation"]


def test_weights_are_configurable_and_must_sum_to_100(auditor):
    audit = auditor.audit_path(SEED_000)
    config = ScoreConfig.from_settings({"anonymity": 0, "attribution": 35})
    result = score_article(audit, config)
    assert points(result)["anonymity"] == 0 and result["components"][0]["max_points"] == 35
    with pytest.raises(ConfigError, match="must sum to 100"):
        ScoreConfig.from_settings({"anonymity": 20})
    with pytest.raises(ConfigError, match="unknown score component 'style'"):
        ScoreConfig.from_settings({"style": 0})


def test_allegation_without_reply_costs_right_of_reply(auditor):
    text = "Regulators accused Acme Corp of fraud, officials said.\n"
    audit = auditor.audit(example_document(text, 0), readability=False)
    reply = score_article(audit)["components"][3]
    assert reply["points"] == 0 and reply["lost"] == [0]


@pytest.mark.parametrize(
    ("score", "grade"),
    [(100, "A"), (85, "A"), (84, "B"), (70, "B"), (55, "C"), (40, "D"), (0, "F")],
)
def test_grades(score, grade):
    assert grade_for(score) == grade


SENTENCES = [
    "A senior official said the talks had stalled.",
    "Mayor Jane Smith said the budget would pass.",
    "The minister reportedly offered to resign.",
    "Officials spoke on condition of anonymity because they were not authorized to speak.",
    "Regulators accused Acme Corp of fraud.",
    "Acme Corp denied the accusation.",
    "The bridge opened in 1932.",
    "According to a report by The New York Times, the plan is dead.",
]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=8))
def test_score_is_the_rounded_sum_of_component_points(auditor, sentences):
    text = "Headline\n\n" + "\n\n".join(sentences) + "\n"
    result = score_article(auditor.audit(Document(name="x.txt", text=text), readability=False))
    total = sum(c["points"] for c in result["components"])
    assert result["score"] == max(0, min(100, math.floor(total + 0.5)))
    for c in result["components"]:
        assert 0 <= c["points"] <= c["max_points"] == DEFAULT_WEIGHTS[c["name"]]
