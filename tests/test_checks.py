"""Editorial checks: every check's own examples, the loader's errors, seeds, suppressions."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.checks import (
    CheckConfig,
    Finding,
    Locator,
    example_document,
    load_checks,
    run_check_examples,
    run_checks,
)
from auditor.errors import RuleLoadError
from auditor.model import Document
from conftest import SEEDS

SEED_000 = SEEDS / "000_f37875985f527884.txt"
SEED_001 = SEEDS / "001_12b50f974c36efa9.txt"
REQUIRED_IDS = {
    "anon.no-reason",
    "anon.vague",
    "anon.plural-unquantified",
    "anon.direct-quote",
    "anon.spokesperson",
    "anon.single-source-lede",
    "anon.share-high",
    "reply.missing",
    "attr.hedged",
    "deriv.credits-outlet",
    "meta.byline",
}


@pytest.fixture(scope="module")
def config(auditor) -> CheckConfig:
    return CheckConfig(auditor.ruleset, load_checks(auditor.ruleset))


def examples(kind: str) -> list[tuple[str, str]]:
    checks = CheckConfig.default().checks
    return [
        (check.id, text)
        for check in checks
        for text in (check.match_examples if kind == "match" else check.no_match_examples)
    ]


def reported(auditor, config: CheckConfig, text: str) -> list[Finding]:
    return run_checks(auditor.audit(example_document(text, 0), readability=False), config)


def test_every_required_check_is_defined_with_why_and_examples(config):
    by_id = config.by_id
    assert set(by_id) >= REQUIRED_IDS
    for check in by_id.values():
        assert check.why and check.message and check.match_examples and check.no_match_examples
        assert check.level in ("info", "warning", "error")


@pytest.mark.parametrize(("check_id", "text"), examples("match"))
def test_match_example_is_flagged(auditor, config, check_id, text):
    assert check_id in {f.rule_id for f in reported(auditor, config, text)}


@pytest.mark.parametrize(("check_id", "text"), examples("no_match"))
def test_no_match_example_is_not_flagged(auditor, config, check_id, text):
    assert check_id not in {f.rule_id for f in reported(auditor, config, text)}


def test_run_check_examples_reports_a_wrong_example(auditor, tmp_path):
    (tmp_path / "mine.yaml").write_text(
        """
checks:
  - id: anon.no-reason
    level: warning
    message: m
    why: w
    detect: statement
    when: {labels: [anonymous]}
    examples:
      match: [Mayor Jane Smith said the budget would pass.]
      no_match: [Mayor Jane Smith said the budget would pass.]
""",
        encoding="utf-8",
    )
    config = CheckConfig(auditor.ruleset, load_checks(auditor.ruleset, [tmp_path]))
    run, failures = run_check_examples(config)
    assert run > 40
    assert [(f.check_id, f.kind) for f in failures] == [("anon.no-reason", "match")]
    assert "should be flagged" in failures[0].describe()


# -- seeds ------------------------------------------------------------------------
def seed_findings(auditor, config, path: Path) -> list[Finding]:
    return run_checks(auditor.audit_path(str(path)), config)


def test_seed_000_anonymous_sources_without_reason_at_their_lines(auditor, config):
    lines = {
        f.line for f in seed_findings(auditor, config, SEED_000) if f.rule_id == "anon.no-reason"
    }
    # "The Post has learned" (5), "A senior Trump administration source said" (7),
    # "Three current and two former ... officials" (9), "said a source close to" (14),
    # "A source familiar with Qatar's role" (18); "this person said" (20) is the same source.
    assert lines == {5, 7, 9, 14, 18}


def test_seed_001_credits_outlet_at_the_credit_line(auditor, config):
    found = [
        f for f in seed_findings(auditor, config, SEED_001) if f.rule_id == "deriv.credits-outlet"
    ]
    assert len(found) == 1
    finding = found[0]
    assert (finding.line, finding.column, finding.level) == (7, 1, "info")
    assert "The New York Post" in finding.message
    assert SEED_001.read_text(encoding="utf-8").splitlines()[6].startswith("According to a report")


def test_seeds_have_no_error_level_finding(auditor, config):
    for seed in (SEED_000, SEED_001):
        assert all(f.level != "error" for f in seed_findings(auditor, config, seed))


def test_finding_to_dict_has_the_contract_keys(auditor, config):
    finding = seed_findings(auditor, config, SEED_000)[0]
    assert set(finding.to_dict()) == {
        "rule_id",
        "level",
        "message",
        "path",
        "line",
        "column",
        "statement",
    }


# -- aggregates and configuration -----------------------------------------------------
ARTICLE = """Talks stall

A senior official said the talks had stalled.

Two diplomats said the next round was cancelled.

Minister Jane Smith said she was hopeful.
"""


def test_share_high_threshold_comes_from_config(auditor, config):
    audit = auditor.audit(example_document(ARTICLE, 0), readability=False)
    assert "anon.share-high" in {f.rule_id for f in run_checks(audit, config)}  # 2/3 > 0.5
    relaxed = CheckConfig(config.ruleset, config.checks, anon_share_max=0.7)
    assert "anon.share-high" not in {f.rule_id for f in run_checks(audit, relaxed)}


def test_disabled_and_relevelled_checks(auditor, config):
    audit = auditor.audit(example_document(ARTICLE, 0), readability=False)
    tuned = CheckConfig(
        config.ruleset,
        config.checks,
        disabled=frozenset({"meta.byline"}),
        levels={"anon.no-reason": "error"},
    )
    findings = run_checks(audit, tuned)
    assert "meta.byline" not in {f.rule_id for f in findings}
    assert {f.level for f in findings if f.rule_id == "anon.no-reason"} == {"error"}


def test_credits_outlet_escalates_when_the_outlet_supplies_most_statements(auditor, config):
    text = (
        "According to a report by The New York Times, the ministry will close three embassies.\n\n"
        "Mayor Jane Smith said the cuts were needed.\n"
    )
    audit = auditor.audit(example_document(text, 0), readability=False)
    # Provenance contract: the outlet supplies statement 0 and (say) 1: 2 of 2 attributed.
    audit.provenance = {
        "own_outlet": None,
        "credited_outlets": [
            {"outlet": "The New York Times", "phrases": ["report by"], "statements": [0, 1]}
        ],
        "own_reporting": [],
        "derivative_suspect": True,
        "reason": "test",
    }
    [finding] = [f for f in run_checks(audit, config) if f.rule_id == "deriv.credits-outlet"]
    assert finding.level == "warning"
    assert "most of the article's sourcing" in finding.message
    audit.provenance = None  # fallback: the statements labelled outlet (1 of 2)
    [finding] = [f for f in run_checks(audit, config) if f.rule_id == "deriv.credits-outlet"]
    assert finding.level == "info"


def test_reply_missing_is_an_error_until_the_party_answers(auditor, config):
    accused = "Regulators accused Acme Corp of hiding losses from investors.\n"
    findings = reported(auditor, config, accused)
    assert [(f.rule_id, f.level) for f in findings if f.rule_id == "reply.missing"] == [
        ("reply.missing", "error")
    ]
    answered = accused + "\nAcme Corp denied the accusation.\n"
    assert "reply.missing" not in {f.rule_id for f in reported(auditor, config, answered)}


# -- suppressions ---------------------------------------------------------------------
REASONED = (
    "<!-- auditor-ignore anon.no-reason: source's safety, approved by the standards editor -->\n"
    "A senior official said the talks had stalled.\n"
)


def test_suppression_with_a_reason_hides_the_finding(auditor, config):
    ids = [f.rule_id for f in reported(auditor, config, REASONED)]
    assert "anon.no-reason" not in ids
    assert not [i for i in ids if i.startswith("suppress.")]


def test_suppression_without_a_reason_is_reported_and_suppresses_nothing(auditor, config):
    text = "<!-- auditor-ignore anon.no-reason -->\nA senior official said the talks had stalled.\n"
    findings = reported(auditor, config, text)
    by_id = {f.rule_id: f for f in findings}
    assert "anon.no-reason" in by_id
    assert by_id["suppress.no-reason"].level == "error"
    assert (by_id["suppress.no-reason"].line, by_id["suppress.no-reason"].column) == (1, 1)


def test_unused_and_misspelt_suppressions_are_reported(auditor, config):
    unused = REASONED.replace("A senior official", "Mayor Jane Smith")
    [finding] = [f for f in reported(auditor, config, unused) if f.rule_id == "suppress.unused"]
    assert "matches no finding" in finding.message
    misspelt = REASONED.replace("anon.no-reason:", "anon.no-reasons:")
    findings = reported(auditor, config, misspelt)
    [finding] = [f for f in findings if f.rule_id == "suppress.unused"]
    assert "names no known check (anon.no-reasons)" in finding.message
    assert "anon.no-reason" in {f.rule_id for f in findings}


def test_suppression_covers_only_the_next_block(auditor, config):
    text = REASONED + "\nTwo diplomats said the next round was cancelled.\n"
    lines = [f.line for f in reported(auditor, config, text) if f.rule_id == "anon.no-reason"]
    assert lines == [4]


def test_suppression_in_markdown_and_html(auditor, config, tmp_path):
    markdown = tmp_path / "story.md"
    markdown.write_text("---\nauthor: Sam Reporter\n---\n" + REASONED, encoding="utf-8")
    ids = {f.rule_id for f in run_checks(auditor.audit_path(str(markdown)), config)}
    assert not ids & {"anon.no-reason", "meta.byline", "suppress.no-reason", "suppress.unused"}
    assert "anon.single-source-lede" in ids  # the suppression names only anon.no-reason
    page = tmp_path / "story.html"
    page.write_text(
        "<html><head><title>Talks</title><meta name='author' content='Sam Reporter'></head>"
        "<body><article><h1>Talks stall in the capital</h1>\n"
        "<p>The ministry said the budget was late and that talks would go on next week.</p>\n"
        "<!-- auditor-ignore anon.no-reason: approved by the standards editor -->\n"
        "<p>A senior official said the talks had stalled for a third week running.</p>\n"
        "</article></body></html>\n",
        encoding="utf-8",
    )
    audit = auditor.audit_path(str(page))
    raw = page.read_text(encoding="utf-8")
    without_raw = {(f.rule_id, f.line) for f in run_checks(audit, config)}
    with_raw = {(f.rule_id, f.line) for f in run_checks(audit, config, raw_text=raw)}
    assert any(rule == "anon.no-reason" for rule, _ in without_raw)
    assert not any(rule.startswith(("anon.no-reason", "suppress.")) for rule, _ in with_raw)


def test_html_findings_are_placed_on_the_raw_file_line(auditor, config, tmp_path):
    page = tmp_path / "story.html"
    page.write_text(
        "<html><head><title>Talks</title></head><body><article>\n"
        "<h1>Talks stall in the capital</h1>\n"
        "<p>The ministry said the budget was late and that talks would go on next week.</p>\n"
        "<p>A senior official said the talks had stalled for a third week running.</p>\n"
        "</article></body></html>\n",
        encoding="utf-8",
    )
    audit = auditor.audit_path(str(page))
    raw = page.read_text(encoding="utf-8")
    [finding] = [
        f for f in run_checks(audit, config, raw_text=raw) if f.rule_id == "anon.no-reason"
    ]
    assert (finding.line, finding.column) == (4, 4)


# -- loader errors --------------------------------------------------------------------
VALID = """
checks:
  - id: house.example
    level: warning
    message: Example {excerpt}
    why: House style.
    detect: statement
    when: {text: 'foo'}
    examples: {match: [foo.], no_match: [bar.]}
"""


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("level: warning", "level: severe"), "level must be one of"),
        (("    why: House style.\n", ""), "'why' is missing"),
        (("detect: statement", "detect: magic"), "detect must be one of"),
        (("when: {text: 'foo'}", "when: {txt: 'foo'}"), "unknown condition 'txt'"),
        (("when: {text: 'foo'}", "when: {text: '{nolexicon}'}"), "unknown lexicon {nolexicon}"),
        (("when: {text: 'foo'}", "when: {text: '(foo'}"), "not a valid regex"),
        (("Example {excerpt}", "Example {oops}"), "message field {oops}"),
        (("    why: House style.\n", "    why: x\n    colour: red\n"), "unknown key 'colour'"),
        (("no_match: [bar.]", "no_match: []"), "examples.no_match needs"),
        (("detect: statement", "detect: aggregate"), "'when' is only for detect: statement"),
        (
            ("detect: statement\n    when: {text: 'foo'}", "detect: aggregate"),
            "no aggregate check is implemented",
        ),
        (("id: house.example", "id: Example"), "id must be a dotted id"),
    ],
)
def test_malformed_check_file_names_file_and_key(auditor, tmp_path, change, expected):
    old, new = change
    (tmp_path / "house.yaml").write_text(VALID.replace(old, new), encoding="utf-8")
    with pytest.raises(RuleLoadError) as err:
        load_checks(auditor.ruleset, [tmp_path])
    assert str(tmp_path / "house.yaml") in str(err.value)
    assert expected in str(err.value)


def test_extra_check_directory_adds_checks(auditor, tmp_path):
    (tmp_path / "house.yaml").write_text(VALID, encoding="utf-8")
    config = CheckConfig(auditor.ruleset, load_checks(auditor.ruleset, [tmp_path]))
    findings = reported(auditor, config, "The foo was bar.\n")
    assert "house.example" in {f.rule_id for f in findings}


def test_empty_and_non_yaml_check_files_are_errors(auditor, tmp_path):
    (tmp_path / "empty.yaml").write_text("", encoding="utf-8")
    with pytest.raises(RuleLoadError, match=r"empty\.yaml: file is empty"):
        load_checks(auditor.ruleset, [tmp_path])
    (tmp_path / "empty.yaml").write_text("checks: [", encoding="utf-8")
    with pytest.raises(RuleLoadError, match="not valid YAML"):
        load_checks(auditor.ruleset, [tmp_path])


# -- locations --------------------------------------------------------------------------
@given(st.lists(st.text(alphabet="ab \n", max_size=12), min_size=1, max_size=8), st.data())
def test_locator_positions_index_the_text(chunks, data):
    text = "".join(chunks)
    offset = data.draw(st.integers(min_value=0, max_value=len(text)))
    line, column = Locator(text, offsets_are_raw=True).position(offset)
    lines = text.split("\n")
    assert sum(len(x) + 1 for x in lines[: line - 1]) + column - 1 == offset


SENTENCES = [
    "A senior official said the talks had stalled.",
    "Mayor Jane Smith said the budget would pass.",
    "The minister reportedly offered to resign.",
    "“We will not sign,” a senior diplomat said.",
    "Regulators accused Acme Corp of fraud.",
]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=6), st.integers(0, 2))
def test_statement_findings_point_at_their_statement(auditor, config, sentences, blank):
    text = "Headline of the day\n\n" + ("\n" * (blank + 1)).join(sentences) + "\n"
    audit = auditor.audit(Document(name="x.txt", text=text), readability=False)
    lines = text.split("\n")
    for finding in run_checks(audit, config):
        if finding.statement is None:
            continue
        statement = audit.statements[finding.statement]
        line_text = lines[finding.line - 1]
        assert line_text[finding.column - 1 :].startswith(statement.text[:20])


# -- real articles ----------------------------------------------------------------------
def test_checks_and_score_on_real_articles(auditor, config, shared_data):
    """Read from ../shared (never copied): findings land inside the text, scores in range."""
    import gzip
    import json

    from auditor.ingest import document_from_record
    from auditor.score import score_article

    with gzip.open(shared_data / "bbc.jsonl.gz", "rt", encoding="utf-8") as rows:
        records = [json.loads(next(rows)) for _ in range(40)]
    levels = set()
    for n, record in enumerate(records):
        audit = auditor.audit(document_from_record(record, f"bbc-{n}.json"), readability=False)
        raw = json.dumps(record, ensure_ascii=False, indent=0)
        line_count = raw.count("\n") + 1
        for finding in run_checks(audit, config, raw_text=raw):
            levels.add(finding.level)
            assert 1 <= finding.line <= line_count
        assert 0 <= score_article(audit)["score"] <= 100
    assert levels  # forty real articles raise at least one finding


def test_allegation_screen_never_changes_which_statements_are_allegations(
    auditor, config, shared_data
):
    """The screen is a prefilter: with and without it, the same statements on real news."""
    import gzip
    import json
    from itertools import islice

    from auditor.checks import ArticleContext, allegations
    from auditor.model import ArticleAudit
    from auditor.score import summarise

    params = config.by_id["reply.missing"].params
    assert params["allegation_screen"]
    unscreened = {**params, "allegation_screen": []}
    found = 0
    for path in sorted(shared_data.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in islice(handle, 0, 400, 40):
                document = Document("x", json.loads(line)["text"], text_source="record")
                statements = auditor.statements(document)
                audit = ArticleAudit(document, statements, summarise(statements, False))
                ctx = ArticleContext(audit, auditor.ruleset)
                screened = allegations(ctx, params)
                assert screened == allegations(ctx, unscreened)
                found += len(screened)
    assert found > 20


def test_allegation_screen_must_list_strings(auditor, tmp_path):
    from auditor.checks import builtin_check_files

    text = dict(builtin_check_files())["rules/checks/reply.yaml"]
    assert "allegation_screen: [accus," in text
    broken = text.replace("allegation_screen: [accus,", "allegation_screen: [true, accus,")
    (tmp_path / "reply.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(RuleLoadError, match="allegation_screen must be a list of non-empty"):
        load_checks(auditor.ruleset, [tmp_path])


def test_contains_conditions_never_change_the_findings_on_real_news(auditor, config, shared_data):
    """`contains` is a prefilter before `text`: without it, the same findings."""
    import dataclasses
    import gzip
    import json
    from itertools import islice

    from auditor.checks import Condition

    def without_contains(check):
        conditions = [
            Condition({k: v for k, v in c.tests.items() if k != "contains"})
            for c in check.conditions
        ]
        return dataclasses.replace(check, conditions=conditions)

    assert any("contains" in c.tests for check in config.checks for c in check.conditions)
    plain = CheckConfig(config.ruleset, [without_contains(c) for c in config.checks])
    for path in sorted(shared_data.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in islice(handle, 0, 400, 40):
                document = Document("x", json.loads(line)["text"], text_source="record")
                audit = auditor.audit(document, readability=False)
                fast = [f.to_dict() for f in run_checks(audit, config)]
                audit.memo.clear()
                assert fast == [f.to_dict() for f in run_checks(audit, plain)]


def test_empty_rule_lists_in_a_condition_match_nothing_and_exclude_nothing():
    from auditor.checks import statement_predicates
    from auditor.model import Statement

    statement = Statement(0, 0, 3, "Hi.", labels=["named"], rules=["named.name-cue"])
    (only_rules,) = statement_predicates({"rules": []})
    (not_rules,) = statement_predicates({"not_rules": []})
    assert not only_rules(statement) and not_rules(statement)
    (hedges,) = statement_predicates({"rules": ["hedge.*"]})
    assert not hedges(statement)
    statement.rules = ["hedge.unsourced"]
    assert hedges(statement)


def test_anonymous_attribution_prefers_the_people_over_the_own_outlet(auditor, config):
    from auditor.checks import ArticleContext

    text = "A Headline\n\nThe deal was off, two senior officials said, The Post has learned.\n"
    audit = auditor.audit(Document("x", text), readability=False)
    ctx = ArticleContext(audit, config.ruleset)
    statement = audit.body_statements[0]
    assert ctx.attribution(statement) == ("two senior officials", "said")


@pytest.mark.parametrize("seed", [SEED_000, SEED_001])
def test_checks_reusing_the_labellers_rule_matches_find_what_firing_again_finds(
    auditor, config, seed
):
    from auditor.ruleset import fired_key

    kept = auditor.audit_path(str(seed))
    assert kept.memo[fired_key(auditor.ruleset)]  # the labeller's matches are kept
    fresh = auditor.audit_path(str(seed))
    del fresh.memo[fired_key(auditor.ruleset)]  # the checks must fire the rules themselves
    assert [f.to_dict() for f in run_checks(kept, config)] == [
        f.to_dict() for f in run_checks(fresh, config)
    ]
