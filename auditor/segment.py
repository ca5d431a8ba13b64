"""Stage 2, segment: split a body into paragraphs, then statements (sentences).

News-aware: abbreviations, initials and decimals do not end sentences; quotes may
span sentences; datelines, headlines, headings, photo captions and page
furniture become `kind="skip"` segments with a `reason`, never dropped. Every
segment's offsets index the document text exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .model import Statement
from .ruleset import RuleSet

# A candidate sentence end: terminal punctuation, closing quotes/brackets, space.
BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)")
WORD_BEFORE = re.compile(r"([\w.]+)$")
NONBLANK_LINE = re.compile(r"\S(?:[^\n]*\S)?")  # a line's text without surrounding space
NEXT_CHAR = re.compile(r"\s*(\S)")
NEXT_WORD = re.compile(r"[\w’']+")
DOTTED_INITIALS = re.compile(r"[A-Z]\.[A-Z]")  # two initials; "F.B.I." ends sentences as before
APOSTROPHE = re.compile(r"['’]")
DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'’\-]+(?:[ ,]+[A-Z][A-Za-z.'’\-]+){0,4})"  # WASHINGTON, NEW YORK
    r"(?:,?\s+[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,\s+\d{4})?)?"  # optional date: Jan 5, 2024
    r"(?:\s*\([^)\n]{1,40}\))?\s*[—–-]{1,2}\s+"  # optional (Reuters), then the dash
)
BYLINE = re.compile(r"^(?:By|BY|by)\s+[A-Z][\w.'’\-]+(?:[\s,]+(?:and\s+)?[A-Z][\w.'’\-]+){0,8}\s*$")
MARKDOWN_HEADING = re.compile(r"^#{1,6}\s")
FURNITURE_MAX = 800  # longest paragraph tried against the furniture lines
HTML_COMMENT = re.compile(r"^<!--.*-->$", re.DOTALL)
TERMINAL = ".!?:;…\"”’')"
SENTENCE_PUNCTUATION = ".!?:;…"
CLOSERS = "\"”’')]"
OPENERS = "“\"‘'(["
QUOTE_OPENER_OF = {"”": "“", '"': '"', "’": "‘", "'": "'"}  # closing quote -> its opener
MAX_HEADING_WORDS = 14
MAX_HEADLINE_WORDS = 30


@dataclass(frozen=True)
class SegmentLexicons:
    """The lexicons the segmenter needs, compiled once from the rule set."""

    furniture: re.Pattern[str]
    caption: re.Pattern[str]
    abbreviations: frozenset[str]
    final_abbreviations: frozenset[str]
    number_abbreviations: frozenset[str]
    openers: frozenset[str]
    quote_attribution: re.Pattern[str]

    @classmethod
    def from_ruleset(cls, ruleset: RuleSet) -> SegmentLexicons:
        lex = ruleset.lexicons
        return cls(
            furniture=re.compile(rf"{lex['furniture_line'].regex}[\s.:!]*", re.IGNORECASE),
            caption=re.compile(rf"(?:^|[.!?”\"’]\s+|\s)(?:{lex['caption_credit'].regex})\s*$"),
            abbreviations=frozenset(lex["abbreviation"].entries),
            final_abbreviations=frozenset(lex["sentence_final_abbreviation"].entries),
            number_abbreviations=frozenset(lex["number_abbreviation"].entries),
            openers=frozenset(lex["sentence_opener"].entries),
            quote_attribution=quote_attribution_regex(
                f"{lex['speech_cue_inverted'].regex}|{lex['after_quote_cue'].regex}"
            ),
        )


# Words that open a subordinate clause, not a name: '“Over?” As Ortega said, …'.
CLAUSE_OPENING_WORDS = (
    "That As When While If Because Although Though But And So Then After Before Since Until Once"
)


def quote_attribution_regex(inverted_cue: str) -> re.Pattern[str]:
    """A name and cue right after a closing quote: '“Why not?” Ortega said.'

    One to four capitalised words ("and" may join them) and an inverted cue
    verb, ending the clause: punctuation, or a day, place or manner word
    after it ("said on Friday", "asked the crowd" after asked/told). Not when
    the cue opens a quote or a clause of its own ('… Ortega replied, “No.”',
    '… Ortega said Friday that …'), and not "That said" or "As Ortega said".
    """
    return re.compile(
        rf"(?!\s+(?:{'|'.join(CLAUSE_OPENING_WORDS.split())})\b)"
        rf"\s+(?:[A-Z][\w.'’\-]*\s+(?:and\s+)?){{1,4}}(?:{inverted_cue}|told|tells)\b"
        r"(?!\s*[,:]?\s*[“\"‘'])(?![^.,;:!?“\"]{0,40}\bthat\b)"
        r"(?=\s*(?:[.,;:!?)]|$)|\s+(?:on|in|at|of|about|during|to|as|after|before|while"
        r"|when|with|from|via|last|this|earlier|later|today|yesterday|tonight|again"
        r"|reporters|a|an|[a-z]+ly|[A-Z][\w.'’\-]*)\b"
        r"|(?:(?<=asked)|(?<=asks)|(?<=told)|(?<=tells))\s+[a-z])"
    )


def segment(text: str, lexicons: SegmentLexicons, body_start: int = 0) -> list[Statement]:
    """Split `text[body_start:]` into statements and skip segments, in order."""
    segments: list[Statement] = []
    for paragraph, (start, end) in enumerate(paragraphs(text, body_start)):
        parts = classify_paragraph(text, start, end, lexicons, first=paragraph == 0)
        for seg_start, seg_end, kind, reason in parts:
            segments.append(
                Statement(
                    index=len(segments),
                    start=seg_start,
                    end=seg_end,
                    text=text[seg_start:seg_end],
                    kind=kind,
                    paragraph=paragraph,
                    reason=reason,
                )
            )
    return segments


def paragraphs(text: str, body_start: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each non-blank paragraph, trimmed of surrounding whitespace.

    A line break ends a paragraph unless the line is plainly wrapped: it does not
    end in terminal punctuation and the very next line starts in lower case.
    """
    lines = [(m.start(), m.end()) for m in NONBLANK_LINE.finditer(text, body_start)]
    para_start = None
    for number, (start, end) in enumerate(lines):
        if para_start is None:
            para_start = start
        following = lines[number + 1][0] if number + 1 < len(lines) else None
        wrapped = (
            following is not None
            and text[following].islower()
            and text[end - 1] not in TERMINAL
            and text.count("\n", end, following) == 1
        )
        if not wrapped:
            yield para_start, end
            para_start = None


def classify_paragraph(
    text: str, start: int, end: int, lex: SegmentLexicons, first: bool
) -> Iterator[tuple[int, int, str, str | None]]:
    """Yield (start, end, kind, reason) for a paragraph: skip it whole, or split it."""
    body = text[start:end]
    reason = skip_reason(body, lex, first)
    if reason:
        yield start, end, "skip", reason
        return
    dateline = DATELINE.match(body)
    if dateline and len(body) > dateline.end():
        dash = body.rstrip()[: dateline.end()].rstrip()
        yield start, start + len(dash), "skip", "dateline"
        start += dateline.end()
    for sent_start, sent_end in sentences(text, start, end, lex):
        yield sent_start, sent_end, "statement", None


def skip_reason(body: str, lex: SegmentLexicons, first: bool) -> str | None:
    """Why a whole paragraph is not a statement, or None when it is article text."""
    if body.startswith("<!--") and HTML_COMMENT.match(body):
        return "comment"
    short = len(body) <= 160
    # gallery captions and video-player blocks run long ("Hide Caption 3 of 24 …")
    if len(body) <= FURNITURE_MAX and lex.furniture.fullmatch(body):
        return "furniture"
    if MARKDOWN_HEADING.match(body):
        return "heading"
    ends_open = ends_without_full_stop(body)
    if short and BYLINE.match(body):
        return "byline"
    if short and DATELINE.fullmatch(body + " "):
        return "dateline"
    if ends_open and lex.caption.search(body, max(0, len(body) - 120)):
        return "caption"
    if not ends_open:
        return None
    words = body.split()
    if first and len(words) <= MAX_HEADLINE_WORDS:
        return "headline"
    if len(words) <= MAX_HEADING_WORDS and is_heading_case(words):
        return "heading"
    if len(words) <= 3:
        return "fragment"
    return None


def ends_without_full_stop(body: str) -> bool:
    """No sentence punctuation at the end, looking inside closing quotes and
    brackets: a headline may end on a quoted title ("… release of 'Night
    Orchard'"), a sentence ends "… ended.”"."""
    core = body.rstrip(CLOSERS)
    return bool(core) and core[-1] not in SENTENCE_PUNCTUATION


def is_heading_case(words: list[str]) -> bool:
    """ALL CAPS, or Title Case for most of the longer words."""
    letters = [w for w in words if any(c.isalpha() for c in w)]
    if not letters:
        return True
    if all(not any(c.islower() for c in w) for w in letters):
        return True
    long_words = [w for w in letters if len(w) > 3]
    capitalised = sum(1 for w in long_words if w[0].isupper())
    return bool(long_words) and capitalised / len(long_words) >= 0.75


def sentences(text: str, start: int, end: int, lex: SegmentLexicons) -> Iterator[tuple[int, int]]:
    """Sentence spans in text[start:end], trimmed of whitespace."""
    chunk = text[start:end]
    sent_start = 0
    for match in BOUNDARY.finditer(chunk):
        cut = match.end()
        if is_sentence_end(chunk, sent_start, match.start(), cut, lex):
            span = trim(chunk, sent_start, cut)
            if span:
                yield start + span[0], start + span[1]
            sent_start = cut
    span = trim(chunk, sent_start, len(chunk))
    if span:
        yield start + span[0], start + span[1]


def is_sentence_end(chunk: str, sent_start: int, stop: int, cut: int, lex: SegmentLexicons) -> bool:
    """Decide whether the punctuation at chunk[stop] ends a sentence.

    The sentence began at chunk[sent_start]; chunk[stop:cut] is the
    punctuation run with any closing quotes or brackets after it.
    """
    next_char = NEXT_CHAR.match(chunk, cut)
    if not next_char:
        return False
    following = next_char.group(1)
    if not (following.isupper() or following.isdigit() or following in OPENERS):
        return False
    if chunk[cut - 1] in QUOTE_OPENER_OF and continues_into_attribution(
        chunk, sent_start, stop, cut, lex
    ):
        return False
    if chunk[stop] != ".":
        return True
    if chunk[stop : stop + 3] == "...":
        return False
    before = WORD_BEFORE.search(chunk, max(0, stop - 40), stop)
    if not before:
        return True
    word = before.group(1).strip(".")  # "U.S" for "U.S.", "Mr" for "Mr."
    if len(word) == 1 and word.isalpha() and word.isupper():
        return False  # an initial: "John F. Kennedy"
    if DOTTED_INITIALS.fullmatch(word):  # "Rep. G.K. Butterfield", "J.D. Vance"
        return opens_sentence(chunk, next_char.start(1), lex)
    if word in lex.number_abbreviations:
        return not following.isdigit()
    if word in lex.abbreviations or word.lower() in ("a.m", "p.m"):
        if word in lex.final_abbreviations:
            return opens_sentence(chunk, next_char.start(1), lex)
        return False
    return True


def continues_into_attribution(
    chunk: str, sent_start: int, stop: int, cut: int, lex: SegmentLexicons
) -> bool:
    """Does a closing quote run on into its attribution ('“Why?” Ortega asked.')?

    Only a quote that opens its sentence, or follows a comma or colon, does:
    in 'The crowd chanted “Lock him up!” Ortega told reporters …' Ortega did
    not chant. After a full stop only a bare attribution counts ('“We won.”
    Ortega said.'): '… called it “unfair.” Ortega said on Monday …' is a new
    sentence.
    """
    found = lex.quote_attribution.match(chunk, cut)
    if not found or not quote_opens_clause(chunk, sent_start, stop, chunk[cut - 1]):
        return False
    return chunk[stop] != "." or chunk[found.end() : found.end() + 1] == "."


def quote_opens_clause(chunk: str, sent_start: int, stop: int, closing: str) -> bool:
    """Is the quote that `closing` ends at the start of its sentence or clause?

    A quote opened in an earlier sentence ('“It is done. Why wait?” …') counts.
    """
    opened = chunk.rfind(QUOTE_OPENER_OF[closing], sent_start, stop)
    if opened < 0:
        return True
    before = chunk[sent_start:opened].rstrip()
    return not before or before[-1] in ",:;—–-("


def opens_sentence(chunk: str, at: int, lex: SegmentLexicons) -> bool:
    """Is the word at `at` one that starts sentences ("The", "It" of "It’s")?"""
    next_word = NEXT_WORD.match(chunk, at)
    if not next_word:
        return False
    word = APOSTROPHE.split(next_word.group(0), 1)[0]
    return word in lex.openers


def trim(chunk: str, start: int, end: int) -> tuple[int, int] | None:
    """Shrink [start, end) to exclude surrounding whitespace; None if nothing is left."""
    while start < end and chunk[start].isspace():
        start += 1
    while end > start and chunk[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None
