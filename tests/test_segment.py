"""Segmentation: news-aware sentence splitting and skipped text, offsets exact."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.ruleset import RuleSet
from auditor.segment import SegmentLexicons, segment

LEXICONS = SegmentLexicons.from_ruleset(RuleSet.load())


def parts(text: str) -> list[tuple[str, str | None, str]]:
    return [(s.kind, s.reason, s.text) for s in segment(text, LEXICONS)]


def statements(text: str) -> list[str]:
    return [s.text for s in segment(text, LEXICONS) if s.is_statement]


def body(text: str) -> str:
    return "Headline Goes Here\n\n" + text


def test_abbreviations_initials_and_decimals_do_not_split():
    text = body(
        "Sen. John F. Kennedy Jr. met Gov. Smith on Sept. 2 at No. 10 Main St. with "
        "the U.S. envoy, who paid $3.5 million to Acme Inc. for the deal."
    )
    assert len(statements(text)) == 1


def test_sentence_final_abbreviation_splits_before_a_sentence_opener():
    assert statements(body("He moved to the U.S. The next day he left.")) == [
        "He moved to the U.S.",
        "The next day he left.",
    ]


def test_dotted_initials_do_not_split_unless_a_sentence_follows():
    assert statements(body("Rep. G.K. Butterfield and J.D. Vance spoke. It ended at the A.C.")) == [
        "Rep. G.K. Butterfield and J.D. Vance spoke.",
        "It ended at the A.C.",
    ]
    assert statements(body("They met at the A.C. The talks failed.")) == [
        "They met at the A.C.",
        "The talks failed.",
    ]
    # longer acronyms end sentences as before; a contraction opens one ("It’s")
    assert statements(
        body("The tip went to the F.B.I. Nothing happened. It was O.K. It’s fine.")
    ) == [
        "The tip went to the F.B.I.",
        "Nothing happened.",
        "It was O.K.",
        "It’s fine.",
    ]


def test_quotes_spanning_sentences_become_several_statements():
    text = body("“It helps. It really does,” she said. “Smart, funny, humble.”")
    assert statements(text) == [
        "“It helps.",
        "It really does,” she said.",
        "“Smart, funny, humble.”",
    ]


def test_straight_quotes_and_questions():
    text = body('"Is it true?" he asked. "No." She left.')
    assert statements(text) == ['"Is it true?" he asked.', '"No."', "She left."]


def test_a_quoted_question_runs_on_into_a_named_attribution():
    text = body(
        "“Why would we wait?” Ortega said on Friday. “Now!” Mayor Dana Ruiz shouted. "
        "“Is it you?” Ortega replied, “No.” “Who?” Ortega replied that she did not know. "
        "“Done?” The crowd left. “Ready?” Ortega asked the crowd. “We won.” Ortega said. "
        "She called it “a start.” Ortega said on Monday that it was. “Go,” Brig. Gen. Ruiz said. "
        "“Not ‘yes.’” That said, she left. He said, 'Why?' I said, 'Why not?'"
    )
    assert statements(text) == [
        "“Why would we wait?” Ortega said on Friday.",
        "“Now!” Mayor Dana Ruiz shouted.",
        "“Is it you?”",
        "Ortega replied, “No.”",
        "“Who?”",
        "Ortega replied that she did not know.",
        "“Done?”",
        "The crowd left.",
        "“Ready?” Ortega asked the crowd.",
        "“We won.” Ortega said.",
        "She called it “a start.”",
        "Ortega said on Monday that it was.",
        "“Go,” Brig. Gen. Ruiz said.",
        "“Not ‘yes.’”",
        "That said, she left.",
        "He said, 'Why?'",
        "I said, 'Why not?'",
    ]


def test_a_quote_joins_its_attribution_only_when_it_opens_the_clause():
    text = body(
        "‘Why?’ Ortega asked. “Over?” As Ortega said, it is done. "
        "The crowd chanted “Out!” Ortega told reporters it was wrong. "
        "“True?” Ortega said Friday that it was. “What?” Ortega and Ruiz asked. "
        "“Now?” Ortega tells the crowd."
    )
    assert statements(text) == [
        "‘Why?’ Ortega asked.",
        "“Over?”",
        "As Ortega said, it is done.",
        "The crowd chanted “Out!”",
        "Ortega told reporters it was wrong.",
        "“True?”",
        "Ortega said Friday that it was.",
        "“What?” Ortega and Ruiz asked.",
        "“Now?” Ortega tells the crowd.",
    ]


def test_dateline_is_skipped_and_the_sentence_kept():
    result = parts(body("WASHINGTON — Officials met on Monday."))
    assert result[1:] == [
        ("skip", "dateline", "WASHINGTON —"),
        ("statement", None, "Officials met on Monday."),
    ]
    result = parts(body("LONDON (Reuters) - Prices rose."))
    assert result[1][1] == "dateline" and result[2][2] == "Prices rose."
    for dated in ("NEW DELHI, Jan 5 (Reuters) -", "LONDON, March 12, 2024 (AP) —"):
        result = parts(body(f"{dated} Prices rose."))
        assert result[1] == ("skip", "dateline", dated) and result[2][2] == "Prices rose."


def test_headline_heading_caption_and_furniture_are_skips_with_reasons():
    text = (
        "Exclusive | Qatar floated as new home\n\n"
        "The talks went on.\n\n"
        "POSSIBLE STRIKES WITHIN TERRITORIAL WATERS\n\n"
        "The president waves to supporters. Getty Images\n"
        "A view of the harbour. Xinhua/Shutterstock\n"
        "Boats at sea. X/@PeteHegseth\n\n"
        "Story Continued Below\n\nSource link\n\nRelated Posts\n\nFor you\n\n"
        "Sign up for Daily Newsletters\n\nADVERTISEMENT\n\nBy Jane Smith and John Doe\n\n"
        "Key Findings From The Report\n\nIt ended."
    )
    reasons = [(kind, reason) for kind, reason, _ in parts(text)]
    assert reasons == [
        ("skip", "headline"),
        ("statement", None),
        ("skip", "heading"),
        ("skip", "caption"),
        ("skip", "caption"),
        ("skip", "caption"),
        ("skip", "furniture"),
        ("skip", "furniture"),
        ("skip", "furniture"),
        ("skip", "furniture"),
        ("skip", "furniture"),
        ("skip", "furniture"),
        ("skip", "byline"),
        ("skip", "heading"),
        ("statement", None),
    ]


def test_non_breaking_spaces_are_kept_in_offsets():
    text = body("Trump\xa0said on Oct. 23\xa0that he would act. Nobody knew.")
    assert statements(text) == ["Trump\xa0said on Oct. 23\xa0that he would act.", "Nobody knew."]


def test_wrapped_lines_join_into_one_paragraph():
    text = body("The senator said the bill\nwould pass next week.\nIt did not.")
    segs = [s for s in segment(text, LEXICONS) if s.is_statement]
    assert [s.text for s in segs] == [
        "The senator said the bill\nwould pass next week.",
        "It did not.",
    ]
    assert segs[0].paragraph != segs[1].paragraph


def test_markdown_front_matter_is_not_segmented():
    text = "---\ntitle: X\n---\nHeadline Here\n\nA sentence."
    start = text.index("Headline")
    segs = segment(text, LEXICONS, body_start=start)
    assert segs[0].start >= start and [s.text for s in segs if s.is_statement] == ["A sentence."]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_segments_with_exact_offsets_and_nothing_dropped(text):
    segments = segment(text, LEXICONS)
    covered = set()
    previous_end = 0
    for s in segments:
        assert s.text == text[s.start : s.end]
        assert s.start >= previous_end and s.text.strip() == s.text and s.text
        previous_end = s.end
        covered.update(range(s.start, s.end))
    for position, char in enumerate(text):
        if not char.isspace():
            assert position in covered, f"dropped {char!r} at {position}"


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Mr.",
                "U.S.",
                "said",
                "“",
                "”",
                '"',
                "Sept.",
                "3.5",
                "—",
                "WASHINGTON",
                "\n",
                "\n\n",
                "Getty Images",
                "officials",
                "The",
                ".",
                "?",
                " ",
                "\xa0",
                "a source said",
                "No.",
                "J.",
            ]
        ),
        max_size=40,
    ).map(" ".join)
)
def test_newsy_fragments_segment_and_label_without_error(text):
    from auditor.model import Document
    from auditor.pipeline import Auditor

    statements_ = Auditor().statements(Document(name="x", text=text))
    for s in statements_:
        assert s.text == text[s.start : s.end]
        if s.is_statement:
            assert s.labels


def test_agency_credit_lines_are_furniture_but_reporting_by_in_a_sentence_is_not():
    text = body(
        "The plan was dead.\n\n"
        "(Reporting by Jo Smith; Additional reporting by Al Roe; Editing by Will Dunn.)\n\n"
        "Follow Pam Key on Twitter @pamkey.\n\n"
        "Reporting by the team showed the plan was dead."
    )
    assert [(kind, reason) for kind, reason, _ in parts(text)][1:] == [
        ("statement", None),
        ("skip", "furniture"),
        ("skip", "furniture"),
        ("statement", None),
    ]


def test_video_players_gallery_captions_and_more_links_are_furniture():
    player = (
        "JUST WATCHED Council votes on the bridge Replay More Videos ... "
        "MUST WATCH Council votes on the bridge 02:39"
    )
    caption = "Hide Caption 3 of 24 Photos: The bridge over the years " + "A crowd waits. " * 30
    text = body(
        f"The plan was dead.\n\n{player}\n\n{caption}\n\n"
        "More:Why the bridge closed early\n\n"
        "More than 40 people were hurt."
    )
    assert [(kind, reason) for kind, reason, _ in parts(text)][1:] == [
        ("statement", None),
        ("skip", "furniture"),
        ("skip", "furniture"),
        ("skip", "furniture"),
        ("statement", None),
    ]


def test_a_headline_ending_on_a_quoted_title_is_a_headline():
    text = "Star sues studio over release of 'Night Orchard'\n\nThe suit was filed on Monday."
    assert parts(text)[0][:2] == ("skip", "headline")


def test_a_quote_that_ends_a_sentence_inside_its_marks_is_still_a_statement():
    text = "Opening line of the story here.\n\n“We will not leave,” she said.\n\n“We stay.”"
    assert [kind for kind, _, _ in parts(text)] == ["statement"] * 3
