"""Every statement of both seeds, labelled as ../shared/spec/labels.md says.

The table is the contract: index -> (kind or labels, inherited). The spec's own
seed examples are marked; the rest follow its rules.
"""

from __future__ import annotations

import json

import pytest

from auditor.model import Document
from conftest import SEEDS

SKIP = "skip"
SEED_000 = {
    0: (SKIP, "headline"),
    1: (SKIP, "dateline"),
    2: (["anonymous"], False),  # spec: "…, The Post has learned" is anonymous
    3: (["anonymous"], False),  # spec: "A senior Trump administration source said …"
    4: (["anonymous"], False),  # spec: "Three current and two former administration officials …"
    5: (SKIP, "caption"),  # "… Xinhua/Shutterstock"
    6: (SKIP, "caption"),  # "… Getty Images"
    7: (["anonymous"], True),  # first sentence of a quote attributed in the next one
    8: (["anonymous"], False),  # spec: "… said a source close to the administration."
    9: (["anonymous"], True),  # quote continuation in a new paragraph
    10: (["anonymous", "denial"], False),  # spec
    11: (["unattributed"], False),  # spec: background after a denial does not inherit
    12: (["anonymous", "denial"], False),  # spec: "… this person said."
    13: (["named"], False),  # Trump … told him to step down (a named speech act)
    14: (["named", "no_comment"], False),  # spec: State Department did not respond
    15: (["unattributed"], False),
    16: (["named"], False),  # spec: "Rubio accused …"
    17: (["named"], False),  # spec: "The White House cited …"
    18: (["named"], False),  # spec: "White House Press Secretary Karoline Leavitt defended …"
    19: (["unattributed"], False),  # met with Rubio: no cue
    20: (SKIP, "caption"),  # "… X/@PeteHegseth"
    21: (["unattributed"], False),  # spec: subject is not source
    22: (["unattributed"], False),
    23: (["unattributed"], False),
    24: (["named"], False),
    25: (["named"], False),
    26: (["named"], False),
    27: (["named"], True),  # spec: "No, not just Venezuela." continues Trump's quote
    28: (SKIP, "furniture"),  # Source link
    29: (SKIP, "furniture"),  # Related Posts
}
SEED_001 = {
    0: (SKIP, "headline"),
    1: (["anonymous"], False),
    2: (["outlet", "anonymous"], False),  # spec: According to a report by The New York Post …
    3: (["anonymous"], False),
    4: (["anonymous"], False),
    5: (["anonymous"], False),  # "… insisted:" introduces the quote
    6: (["anonymous", "denial"], True),  # spec: colon-introduced quote, same source
    7: (["unattributed"], False),
    8: (SKIP, "heading"),
    9: (["named"], False),  # Trump … demanding he step down
    10: (["unattributed"], False),  # spec: "reportedly" is a hedge
    11: (["named", "no_comment"], False),  # spec: State Department has not commented
    12: (["unattributed"], False),
    13: (SKIP, "heading"),
    14: (["unattributed"], False),  # spec: subject is not source
    15: (["unattributed"], False),
    16: (["unattributed"], False),
    17: (["unattributed"], False),
    18: (["named"], False),
    19: (["named"], False),
    20: (["named"], True),  # colon-introduced quote
    21: (["named"], False),  # spec: "He specifically mentioned …" (he = Trump)
    22: (SKIP, "furniture"),  # For you
}
CASES = [("000_f37875985f527884.txt", SEED_000), ("001_12b50f974c36efa9.txt", SEED_001)]


@pytest.mark.parametrize(("name", "expected"), CASES)
def test_every_seed_statement_is_labelled_per_spec(auditor, name, expected):
    audit = auditor.audit_path(str(SEEDS / name))
    assert len(audit.statements) == len(expected)
    for statement in audit.statements:
        want, detail = expected[statement.index]
        got = (
            statement.index,
            statement.kind,
            statement.reason if want == SKIP else None,
            statement.labels,
            statement.inherited,
        )
        if want == SKIP:
            assert got == (statement.index, "skip", detail, [], False), statement.text
        else:
            assert got == (statement.index, "statement", None, want, detail), statement.text


@pytest.mark.parametrize("name", [name for name, _ in CASES])
def test_offsets_slice_the_input_exactly(auditor, name):
    text = (SEEDS / name).read_text(encoding="utf-8")
    audit = auditor.audit_path(str(SEEDS / name))
    for statement in audit.statements:
        assert statement.text == text[statement.start : statement.end]


def test_seed_fields_name_sources_speakers_roles_and_quotes(auditor):
    audit = auditor.audit_path(str(SEEDS / "000_f37875985f527884.txt"))
    by_index = {s.index: s for s in audit.statements}
    leavitt = by_index[18]
    assert (leavitt.speaker, leavitt.role, leavitt.cue) == (
        "Karoline Leavitt",
        "White House Press Secretary",
        "defended",
    )
    assert by_index[8].source == "a source close to the administration"
    assert by_index[8].quote == "It helps build chits with the US,"
    assert by_index[12].rules == ["anonymous.descriptor-cue", "denial.untrue"]
    assert by_index[27].speaker == "Trump" and by_index[27].rules == ["inherit.quote-continuation"]
    assert by_index[11].rules == [] and by_index[11].source is None


def test_rewrite_credits_the_post_as_another_outlet(auditor):
    audit = auditor.audit_path(str(SEEDS / "001_12b50f974c36efa9.txt"))
    credit = audit.statements[2]
    assert credit.source == "The New York Post"
    assert "outlet.report-by" in credit.rules and "anonymous.according-to" in credit.rules


def test_the_seeds_are_the_shared_seeds_byte_for_byte():
    from conftest import SHARED

    shared = SHARED / "seeds"
    if not shared.is_dir():
        pytest.skip(f"{shared} not present")
    for name, _ in CASES:
        assert (SEEDS / name).read_bytes() == (shared / name).read_bytes()


def test_seed_summary(auditor):
    summary = auditor.audit_path(str(SEEDS / "000_f37875985f527884.txt")).summary
    assert summary["label_counts"]["anonymous"] == 8
    assert summary["label_counts"]["named"] == 9
    assert summary["statements"] == 23 and summary["skipped"] == 7
    assert summary["named_sources"] == [
        "Karoline Leavitt",
        "Rubio",
        "State Department",
        "Trump",
        "White House",
    ]
    assert summary["named_to_anonymous"] == pytest.approx(9 / 8, abs=1e-3)
    assert 0 < summary["readability"]["flesch_reading_ease"] < 100
    json.dumps(summary)  # serialisable


def body_statements(auditor, text: str):
    """The labelled body statements of a small article written in the test."""
    return [s for s in auditor.statements(Document("x", text)) if s.is_statement]


def one_statement(auditor, sentence: str, metadata: dict | None = None):
    """The one body statement of an article made of a headline and `sentence`."""
    document = Document("x", f"A Headline\n\n{sentence}", metadata=metadata or {})
    (statement,) = [s for s in auditor.statements(document) if s.is_statement]
    return statement


def test_quote_text_of_a_sentence_inside_a_running_quote(auditor):
    text = "A Headline\n\n“First part. Middle part without marks. Last part,” the official said."
    statements = body_statements(auditor, text)
    assert [s.quote for s in statements] == [
        "First part.",
        "Middle part without marks.",
        "Last part,",
    ]
    assert [s.labels for s in statements] == [["anonymous"]] * 3
    assert [s.inherited for s in statements] == [True, True, False]


def test_carry_forward_after_according_to_but_not_after_said(auditor):
    text = (
        "A Headline\n\n"
        "Turnout fell by a third, according to the Brennan Center. "
        "An Oregon proposal would reverse that.\n\n"
        "“We will win,” Smith said. The party lost the seat in 2010."
    )
    statements = body_statements(auditor, text)
    assert [(s.labels, s.inherited) for s in statements] == [
        (["named"], False),
        (["named"], True),
        (["named"], False),
        (["unattributed"], False),
    ]
    assert statements[1].rules == ["inherit.carry-forward"]


def test_a_refusal_does_not_carry_forward_an_earlier_source(auditor):
    text = (
        "A Headline\n\n"
        "Growth slowed, according to LSEG data. "
        "The bank did not immediately respond to a request for comment on the figures."
    )
    statements = body_statements(auditor, text)
    assert [s.labels for s in statements] == [["document"], ["named", "no_comment"]]
    text = text.replace("The bank did", "Representatives for the bank did")
    assert body_statements(auditor, text)[1].labels == ["no_comment"]


def test_transcript_turn_belongs_to_its_speaker_until_the_paragraph_ends(auditor):
    text = (
        "A Headline\n\n"
        "ORTEGA: Well, look. The bridge is the real question. Nobody paid for it.\n\n"
        '"HOST: Governor, we are out of time. Thank you.\n\n'
        "The debate ended at nine."
    )
    statements = body_statements(auditor, text)
    assert [(s.labels, s.inherited, s.source) for s in statements] == [
        (["named"], False, "ORTEGA"),
        (["named"], True, "ORTEGA"),
        (["named"], True, "ORTEGA"),
        (["named"], False, "HOST"),
        (["named"], True, "HOST"),
        (["unattributed"], False, None),
    ]
    assert statements[2].rules == ["inherit.speaker-turn"]
    # a quoted turn ("HOST: …) runs on as a quote
    assert statements[4].rules == ["inherit.quote-continuation"]


def test_reader_comment_typed_with_a_closing_mark_first_is_one_quote(auditor):
    text = "A Headline\n\n”The plan is reckless. It ignores the facts.” ― Jane Doe\n"
    statements = body_statements(auditor, text)
    assert [(s.labels, s.speaker, s.inherited) for s in statements] == [
        (["named"], "Jane Doe", True),
        (["named"], "Jane Doe", False),
    ]
    assert statements[0].quote == "The plan is reckless."


def test_according_to_credit_owns_the_statement_over_a_name_in_its_content(auditor):
    text = (
        "A Headline\n\n"
        "Whitlock promised the contractor more work, according to the Harbor Institute. "
        "Whitlock promised the contractor more work, according to the Daily Ledger. "
        "Whitlock promised the contractor more work."
    )
    statements = body_statements(auditor, text)
    assert [s.labels for s in statements] == [["named"], ["outlet"], ["named"]]
    assert statements[0].source == "the Harbor Institute"
    assert statements[1].source == "the Daily Ledger"
    assert statements[2].source == "Whitlock"


def test_it_after_an_outlet_credit_in_the_same_statement_is_that_credit(auditor):
    text = (
        "A Headline\n\n"
        "Mayor Dana Whitlock said the bridge would close.\n\n"
        "BuzzFeed’s report angered the council as it suggested the bridge was unsafe."
    )
    statements = body_statements(auditor, text)
    assert [s.labels for s in statements] == [["named"], ["outlet"]]


def test_paragraph_after_an_attributed_colon_is_its_block_quote(auditor):
    text = (
        "A Headline\n\n"
        "The governor added:\n\n"
        "It is typical of the council. It never listens.\n\n"
        "The bridge closed in May.\n\n"
        "The list includes:\n\n"
        "Three bridges and a tunnel."
    )
    statements = body_statements(auditor, text)
    assert [(s.labels, s.inherited) for s in statements] == [
        (["named"], False),
        (["named"], True),
        (["named"], True),
        (["unattributed"], False),
        (["unattributed"], False),
        (["unattributed"], False),
    ]
    assert statements[2].rules == ["inherit.block-quote"]


def test_speaker_turn_is_not_inherited_from_someone_quoted_inside_it(auditor):
    text = "A Headline\n\nPENCE: Well, Senator Kaine said the plan failed. The bridge matters.\n"
    statements = body_statements(auditor, text)
    assert statements[0].source == "Senator Kaine"
    assert statements[1].source is None and not statements[1].inherited


def test_a_source_ending_the_sentence_loses_the_full_stop_but_abbreviations_keep_it(auditor):
    text = (
        "A Headline\n\n"
        "The plan was dead, according to the FBI. "
        "The plan was dead, said John Smith Jr. "
        "The plan was dead, according to the Daily Ledger."
    )
    sources = [s.source for s in body_statements(auditor, text)]
    assert sources == ["the FBI", "John Smith Jr.", "the Daily Ledger"]


@pytest.mark.parametrize(
    ("credit", "metadata", "own"),
    [
        ("FOXBusiness.com", {"outlet": "Valley", "url": "https://www.foxbusiness.com/a"}, True),
        ("FOXBusiness.com", {"url": "http://foxbusiness.com/a"}, True),  # the site names it
        ("Fox Business", {"url": "http://foxbusiness.com/a"}, True),  # written out
        ("FOXBusiness.com", {"outlet": "Valley", "url": "https://hilltimes.com/a"}, False),
        ("FOXBusiness.com", {}, False),
    ],
)
def test_a_credit_to_the_articles_own_web_site_is_its_own_reporting(auditor, credit, metadata, own):
    sentence = f"A spokeswoman from the museum told {credit} the loan had ended."
    statement = one_statement(auditor, sentence, metadata)
    assert set(statement.labels) == ({"named"} if own else {"named", "outlet"})


def test_site_name_is_the_outlet_word_of_a_web_address():
    from auditor.label import outlet_tokens, site_name

    assert site_name("http://www.foxbusiness.com/politics/2016/a.html") == "foxbusiness"
    assert site_name("https://www.bbc.co.uk/news") == "bbc"
    assert site_name("https://edition.cnn.com/x") == "cnn"
    assert site_name("https://www.nzherald.co.nz/a") == "nzherald"
    assert site_name("https://news.yahoo.com/a") is None  # a portal, not an outlet
    assert site_name("article.html") is None and site_name(None) is None
    assert site_name("") is None and site_name("no address") is None
    assert outlet_tokens("FOXBusiness.com") == {"foxbusiness"}


@pytest.mark.parametrize(
    ("sentence", "labels"),
    [
        ("“Officials said the plan was dead,” Ortega said.", {"named"}),
        ("“The report found the plan was dead,” Ortega said.", {"named"}),
        ("“CNN reported the plan was dead,” Ortega said.", {"named"}),
        ("“Ortega has no plan,” two officials said.", {"anonymous"}),
        ("“It is untrue,” this person said.", {"anonymous", "denial"}),  # the spec's seed case
        ("Officials said the plan was dead, Ortega said.", {"anonymous", "named"}),  # no quote
        ('She said the 55" screen was fine, officials said.', {"anonymous", "named"}),  # inches
    ],
)
def test_a_source_inside_the_quoted_words_yields_to_the_speaker_outside(auditor, sentence, labels):
    statement = one_statement(auditor, sentence)
    assert set(statement.labels) == labels


@pytest.mark.parametrize(
    ("outlet", "labels"),
    [
        (None, {"anonymous"}),  # no outlet known: "has learned" is the article's own
        ("NBC News", {"anonymous"}),
        ("CNN", {"anonymous", "outlet"}),  # another outlet's reporting, credited
        ("Valley Ledger", {"anonymous"}),  # an outlet the lexicon does not know: never a credit
    ],
)
def test_has_learned_is_own_reporting_only_in_that_outlets_article(auditor, outlet, labels):
    text = "A Headline\n\nNBC News has learned that the plan was dropped."
    metadata = {"outlet": outlet} if outlet else {}
    audit = auditor.audit(Document("x.json", text, metadata=metadata), readability=False)
    assert set(audit.body_statements[0].labels) == labels
    credited = [c["outlet"] for c in audit.provenance["credited_outlets"]]
    assert credited == (["NBC News"] if "outlet" in labels else [])


def test_a_continuing_pronoun_keeps_the_outlet_of_the_interview(auditor):
    text = (
        "A Headline\n\n"
        "Ortega told CNN that the plan was dropped. She added that the vote was late. "
        "“We will win,” she said."
    )
    labels = [set(s.labels) for s in body_statements(auditor, text)]
    assert labels == [{"outlet", "named"}, {"outlet", "named"}, {"named"}]


def test_an_indefinite_pronoun_is_not_a_name(auditor):
    text = "A Headline\n\n“We will win. Nobody doubts it,” Ortega told CNN."
    assert [set(s.labels) for s in body_statements(auditor, text)] == [{"outlet", "named"}] * 2


@pytest.mark.parametrize(
    ("sentence", "speaker"),
    [
        ("Campaign press secretary Dana Ruiz said the bus was late.", "Dana Ruiz"),
        ("“It is broad,” former FBI agent Dana Ruiz explained.", "Dana Ruiz"),
        ("Dana Ruiz of the Ohio Farm Bureau said the crop failed.", "Dana Ruiz"),
        ("Ortega on Tuesday said the bus was late.", "Ortega"),
        ("Bank of America said profits fell.", "Bank of America"),
        ("Ruiz at Harvard said the crop failed.", "Ruiz"),
        ("Dana Ruiz from the Ohio Farm Bureau said the crop failed.", "Dana Ruiz"),
    ],
)
def test_the_speaker_is_the_name_not_the_role_place_or_day(auditor, sentence, speaker):
    statement = one_statement(auditor, sentence)
    assert statement.labels == ["named"] and statement.speaker == speaker


@pytest.mark.parametrize(
    "sentence",
    [
        "The Republican nominee said the bus was late.",
        "“It is broad,” the presumptive Democratic nominee wrote.",
        "The former Ohio governor told reporters the crop failed.",
    ],
)
def test_a_role_with_no_name_in_it_has_no_speaker(auditor, sentence):
    statement = one_statement(auditor, sentence)
    assert statement.labels == ["named"] and statement.role and statement.speaker is None


def test_he_or_she_does_not_refer_back_to_a_crowd(auditor):
    text = (
        "A Headline\n\nOrtega said the plan was sound. Some argue it costs too much. "
        "They say the vote is close. She said it would pass."
    )
    labels = [s.labels for s in body_statements(auditor, text)]
    assert labels == [["named"], ["anonymous"], ["anonymous"], ["named"]]


@pytest.mark.parametrize(
    ("crowd", "expected"),
    [
        ("Critics say it costs too much.", ["named"]),
        ("Many of his colleagues believe it costs too much.", ["named"]),
        ("Two officials said it costs too much.", ["named"]),
        ("A senior official said it costs too much.", ["anonymous"]),
    ],
)
def test_she_refers_back_past_a_crowd_but_not_past_one_person(auditor, crowd, expected):
    text = f"A Headline\n\nOrtega said the plan was sound. {crowd} She said it would pass."
    assert body_statements(auditor, text)[-1].labels == expected


def test_a_crowd_inside_a_running_quote_is_what_the_speaker_said(auditor):
    text = (
        "A Headline\n\n“We are not leaving,” Ruiz said. “Frankly, many believe we will. "
        "But most know we won't.”"
    )
    assert [s.labels for s in body_statements(auditor, text)] == [["named"]] * 3


@pytest.mark.parametrize(
    ("sentence", "labels", "source"),
    [
        ("A study by the Harbor Institute found that the crop failed.", ["document"], "A study"),
        ("Data from the Ohio Survey and Harbor Council showed it failed.", ["document"], "Data"),
        ("Studies have found that the crop failed.", ["document"], "Studies"),
        # the officials are what the report cites, not the report's authors
        (
            "The report, citing two farm officials, said the crop failed.",
            ["anonymous", "document"],
            "two farm officials",
        ),
    ],
)
def test_a_name_inside_a_documents_phrase_is_not_a_second_source(auditor, sentence, labels, source):
    statement = one_statement(auditor, sentence)
    assert statement.labels == labels and statement.source == source


@pytest.mark.parametrize(
    ("sentence", "labels"),
    [
        # what the credited outlet reported someone did is its content ...
        ("Cohen promised Gauger work, according to the Harbor Ledger.", {"outlet"}),
        # ... what someone said, reported by the outlet, is theirs and its
        ("Tusk said the deal was dead, according to Reuters.", {"outlet", "named"}),
        ("“It is over,” she said, according to The Hill.", {"outlet", "named"}),
    ],
)
def test_an_according_to_credit_and_the_speakers_beside_it(auditor, sentence, labels):
    text = f"A Headline\n\nOrtega spoke on Monday.\n\n{sentence}"
    assert set(body_statements(auditor, text)[-1].labels) == labels


@pytest.mark.parametrize(
    ("sentence", "source", "cue"),
    [
        (
            "Two people familiar with the inquiry said the attackers had demanded a ransom.",
            "Two people familiar with the inquiry",
            "said",
        ),
        (
            "Local officials in Baldwin County said they had asked for water.",
            "Local officials in Baldwin County",
            "said",
        ),
    ],
)
def test_an_unnamed_source_ends_at_its_first_cue(auditor, sentence, source, cue):
    statement = one_statement(auditor, sentence)
    assert statement.labels == ["anonymous"]
    assert (statement.source, statement.cue) == (source, cue)


@pytest.mark.parametrize(
    ("sentence", "source"),
    [
        (
            "The inquiry has widened, according to two insiders with direct knowledge of the case.",
            "two insiders with direct knowledge of the case",
        ),
        (
            "The mill will close, citing three people close to the owners.",
            "three people close to the owners",
        ),
        (
            "The deal is off, according to a person familiar with the bid who was not named.",
            "a person familiar with the bid",
        ),
    ],
)
def test_an_unnamed_source_with_nothing_after_it_runs_to_its_phrase_end(auditor, sentence, source):
    assert one_statement(auditor, sentence).source == source


@pytest.mark.parametrize(
    ("sentence", "labels"),
    [
        ("Under the plan, schools would reopen in May.", ["document"]),
        # what a plan provides, reported by someone, is theirs
        ("Under his plan, taxes would fall by a fifth, Ortega said.", ["named"]),
        ("Under the proposed terms, the mill would close, the Harbor Ledger reported.", ["outlet"]),
    ],
)
def test_what_a_plan_provides_is_the_documents_unless_someone_reports_it(auditor, sentence, labels):
    assert one_statement(auditor, sentence).labels == labels


@pytest.mark.parametrize(
    ("sentence", "labels"),
    [
        # a speaker in a relative clause inside the document's phrase is a source
        (
            "The memo seen by the council is a draft that one official said was final.",
            ["anonymous", "document"],
        ),
        # an outlet that saw or obtained the document is credited beside it
        ("Court records seen by the Harbor Ledger show the man was freed.", ["outlet", "document"]),
        ("The forms, first obtained by Reuters, reveal new details.", ["outlet", "document"]),
        # an outlet's own report is the outlet's, not a document as well
        ("A Reuters report found that rents doubled.", ["outlet"]),
    ],
)
def test_a_document_and_who_obtained_it_or_spoke_inside_it(auditor, sentence, labels):
    assert one_statement(auditor, sentence).labels == labels


@pytest.mark.parametrize(
    ("sentence", "labels"),
    [
        ("Some farmers are worried that the crop will fail.", ["anonymous"]),
        ("Ortega was convinced that the crop would fail.", ["named"]),
        ("The Harbor Institute found that the crop failed.", ["named"]),
        ("He found the keys under the mat.", ["unattributed"]),
        ("They cut the subsidy, which Ortega says ruined the crop.", ["named"]),
        ("The subsidy, which Ortega signed, ruined the crop.", ["unattributed"]),
    ],
)
def test_states_of_mind_findings_and_which_clauses(auditor, sentence, labels):
    statement = one_statement(auditor, sentence)
    assert statement.labels == labels


@pytest.mark.parametrize(
    ("sentence", "outlet", "labels"),
    [
        ("The talks stalled, as first reported by Axios.", "Axios", ["unattributed"]),
        ("The talks stalled, as first reported by Axios.", "Valley Ledger", ["outlet"]),
        ("Ortega said in an interview with CNN that the talks stalled.", "CNN", ["named"]),
        ("Ortega said in an interview with CNN that the talks stalled.", None, ["outlet", "named"]),
        ("As first reported by the Harbor Gazette, the talks stalled.", None, ["outlet"]),
        ("As reported by Dr. Dana Ruiz, the talks stalled.", None, ["unattributed"]),
    ],
)
def test_credits_phrased_after_the_outlet_check_the_articles_own_outlet(
    auditor, sentence, outlet, labels
):
    statement = one_statement(auditor, sentence, {"outlet": outlet} if outlet else None)
    assert statement.labels == labels


@pytest.mark.parametrize(
    ("sentence", "labels"),
    [
        ("State broadcaster TVN said the dam had burst.", ["outlet"]),
        ("The Dayton Ledger, a weekly, said the dam had burst.", ["outlet"]),
        ("NBC, which interviewed her, said the dam had burst.", ["outlet"]),
    ],
)
def test_an_outlet_credited_by_one_rule_is_not_also_a_named_speaker(auditor, sentence, labels):
    statement = one_statement(auditor, sentence)
    assert statement.labels == labels


def test_an_outlet_declining_to_comment_stays_a_named_party(auditor):
    statement = one_statement(auditor, "The Dayton Ledger declined to comment.")
    assert {"named", "no_comment"} <= set(statement.labels)


@pytest.mark.parametrize(
    ("sentence", "labels"),
    [
        ("Ryan hammered the mayor for what he called an “utter failure.”", ["named"]),
        ("Two aides criticised the mayor for what they called a “cheap shot.”", ["anonymous"]),
    ],
)
def test_a_pronoun_after_the_statements_own_source_refers_to_it(auditor, sentence, labels):
    """Not to the previous statement's source: the last one here is anonymous."""
    text = f"A Headline\n\nThe plan was dropped, officials said.\n\n{sentence}"
    assert body_statements(auditor, text)[-1].labels == labels


def test_a_pronoun_characterising_in_quoted_words_takes_the_earlier_source(auditor):
    text = (
        "A Headline\n\nMayor Dana Ruiz spoke on Monday.\n\n"
        "She called his budget a “work of fiction.”"
    )
    last = body_statements(auditor, text)[-1]
    assert last.labels == ["named"]
    assert "named.pronoun-characterised" in last.rules


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("Sanders: Brexit vote could help Trump.\n\nSenator Bernie Sanders spoke.", ["named"]),
        ("Sanders: Brexit vote could help Trump.\n\nThe senator spoke.", ["unattributed"]),
        ("Photos: The crowd at the rally.\n\nGetty Photos sent a team.", ["unattributed"]),
    ],
)
def test_a_surname_before_a_colon_is_a_speaker_only_if_the_article_names_them(
    auditor, text, labels
):
    assert body_statements(auditor, text)[0].labels == labels


@pytest.mark.parametrize(
    ("sentence", "labels"),
    [
        ("Questions went to the Justice Department, which said it would appeal.", ["named"]),
        ("The story ran in The New York Times, which said the deal was close.", ["outlet"]),
        ("Ruiz, who said she would step down in May, scheduled a meeting.", ["unattributed"]),
    ],
)
def test_a_relative_clause_of_speech_that_ends_the_sentence_is_attribution(
    auditor, sentence, labels
):
    assert one_statement(auditor, sentence).labels == labels


@pytest.mark.parametrize(
    "sentence",
    [
        "On Monday Tony Blair insisted the plan would not cost jobs.",
        "In her resignation letter Dana Ruiz noted that she had served for 14 years.",
    ],
)
def test_a_subject_after_an_opening_phrase_without_a_comma_is_found(auditor, sentence):
    assert one_statement(auditor, sentence).labels == ["named"]


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        # a pronoun for a person takes the person, not the letter they wrote in
        (
            "In a letter posted online, Ortega said she would resign. She denied taking the money.",
            ["named", "denial"],
        ),
        # ... while a pronoun for a document stays the document
        ("The audit found waste at the mill. It also said the board was weak.", ["document"]),
    ],
)
def test_a_pronoun_takes_what_it_refers_to(auditor, text, labels):
    assert body_statements(auditor, f"A Headline\n\n{text}")[-1].labels == labels


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        # a name no lexicon knows but shaped like an outlet's, reporting at the end
        # of a sentence: an outlet, learned for the article's other mentions of it
        (
            "The ferry sank in calm water, KTXA reported. Two crew members told KTXA "
            "that the pumps had failed.",
            [["outlet"], ["outlet", "anonymous"]],
        ),
        # ... a plain word is a company or a country giving figures: not an outlet
        ("Revenue rose 12 percent, Tesla reported.", [["unattributed"]]),
        # where the article names "Ana Kettle", Kettle is her surname ...
        (
            "The moths came back late, Kettle reported. Ana Kettle has counted them since "
            "2009. The cold spring was to blame, Kettle said.",
            [["named"], ["unattributed"], ["named"]],
        ),
        # ... but not after a word that opens a clause ("But Kettle", "The Kettle")
        (
            "But Kettle also counted bees. The moths came back late, Kettle reported.",
            [["unattributed"], ["unattributed"]],
        ),
    ],
)
def test_a_name_reporting_at_the_end_is_an_outlet_unless_it_is_a_surname(auditor, text, labels):
    assert [s.labels for s in body_statements(auditor, f"A Headline\n\n{text}")] == labels


def test_an_outlet_the_article_credits_is_an_outlet_wherever_it_is_credited(auditor):
    text = (
        "A Headline\n\nNorthgate Daily first reported the resignation on Monday. "
        "Two aides told Northgate Daily that she had quit. "
        "She quit, according to Northgate Daily."
    )
    labels = [s.labels for s in body_statements(auditor, text)]
    assert labels == [["outlet"], ["outlet", "anonymous"], ["outlet"]]


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        # an outlet introduced by a description is learned by its name ...
        (
            "The breach was first reported by the Belvarian news site Kettle. "
            "Kettle reported that the hackers also read the minister's email.",
            [["outlet"], ["outlet"]],
        ),
        # ... but "a newspaper" followed by a clause names no outlet
        (
            "Mr Ruiz told a newspaper the US would not sign. "
            "US envoy Dana Moss said the talks would go on.",
            [["outlet", "named"], ["named"]],
        ),
    ],
)
def test_an_outlet_described_by_its_kind_is_learned_by_its_name(auditor, text, labels):
    assert [s.labels for s in body_statements(auditor, f"A Headline\n\n{text}")] == labels


def test_the_articles_own_outlet_is_not_learned_as_another(auditor):
    from auditor.model import Document

    text = (
        "A Headline\n\nNorthgate Daily first reported the resignation on Monday. "
        "Two aides told Northgate Daily that she had quit."
    )
    document = Document("x.md", text, metadata={"outlet": "Northgate Daily"})
    statements = [s for s in auditor.statements(document) if s.kind == "statement"]
    assert [s.labels for s in statements] == [["unattributed"], ["anonymous"]]


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        # British quotation marks carry the speaker into the next sentence ...
        (
            "‘People used to walk everywhere,’ he said. ‘Now they just drive instead.’",
            [["named"], ["named"]],
        ),
        ("Ruiz said: 'We will fight this. It is not over.'", [["named"], ["named"]]),
        # ... a scare quote opens no running quote ...
        (
            "He called the plan 'a gamble' on Monday. The vote is in May.",
            [["named"], ["unattributed"]],
        ),
        # ... and a quoted subheading after a quote is not its continuation
        (
            "'We will win,' Ruiz said.\n\n'All Bets Are Off.'",
            [["named"], ["unattributed"]],
        ),
    ],
)
def test_single_quotation_marks(auditor, text, labels):
    assert [s.labels for s in body_statements(auditor, f"A Headline\n\n{text}")] == labels
