"""Stage 3, label: apply the rule set to every statement and its neighbours.

Pass 1 fires the rules on each statement on its own: source rules that overlap
compete by priority, reaction rules (denial, no comment) do not compete, a
hedge suppresses the source matches it overlaps, credits to the article's own
outlet are dropped, and a pronoun source takes the labels of the last
attributed statement. Pass 2 carries sources to statements without their own:
quote spans, quote continuations, colon-introduced quotes, and content that
continues an attributed statement in the same paragraph (`inherited: true`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .model import REACTION_LABELS, SOURCE_LABELS, Document, Statement
from .ruleset import RuleMatch, RuleSet

# Inheritance is engine behaviour, not a pattern; it is named like a rule so
# every label can still be explained (`auditor rules explain inherit.quote-span`).
INHERITANCE_RULES = {
    "inherit.quote-span": (
        "A sentence inside a multi-sentence direct quote takes the source attributed "
        "later in the same quote."
    ),
    "inherit.quote-continuation": (
        "A sentence that only continues a direct quote (in the same paragraph, or a "
        "new paragraph that opens with a quote) takes the source of the quote it continues."
    ),
    "inherit.colon-intro": (
        "A quote introduced by a colon ('… insisted:') has the same source as the "
        "introducing statement."
    ),
    "inherit.speaker-turn": (
        "In a transcript, the sentences after a speaker label ('PENCE: Well, …') in the "
        "same paragraph are the speaker's turn and take its source."
    ),
    "inherit.block-quote": (
        "A paragraph after an attributed statement that ends with a colon ('The governor "
        "added:') is the block quote it introduces, quote marks or not: every sentence "
        "of it takes that source."
    ),
    "inherit.carry-forward": (
        "A statement with no attribution of its own that continues what an 'according to' "
        "statement just before it in the same paragraph reported takes its source labels "
        "(not denial or no_comment). Background after a denial, a no-comment or a 'said' "
        "attribution does not inherit."
    ),
}
OPEN_QUOTES = "“"
CLOSE_QUOTES = "”"
STRAIGHT_QUOTES = ('"', "''")  # '' is how some archives (NYT) write a double quote
QUOTE_MARK = re.compile(r"''|[“”\"]")
QUOTE_STARTS = ("“", '"', "''")
WORD_CHAR = re.compile(r"\w")
# British quotation marks, read only in a paragraph with no double quotes (see
# `single_quoted_paragraphs`): an opening ‘ or a ' before a word at a word start,
# a closing ’ or ' after a word or punctuation and before a space, punctuation or
# the end ("the players’ union" inside such a quote ends it early).
SINGLE_QUOTE_MARK = re.compile(
    r"‘|(?:^|(?<=[\s(—–]))'(?=\w)|(?<=[\w.,!?;:])[’'](?=[\s.,;:!?)—–]|$)"
)
SINGLE_QUOTE_STARTS = ("‘", "'")
CLOSES_SINGLE = re.compile(r"[.,!?][’']")
OPENS_WITH_SINGLE_QUOTE = re.compile(r"(?:^|[:,]\s+)[‘'](?=[A-Z0-9])")
LEADING_DETERMINER = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
NAME_RUN = re.compile(
    r"[A-ZÀ-ÖØ-Þ][\w'’.&\-]*(?:\s+(?:of|de|al|for|and\s+)?\s*[A-ZÀ-ÖØ-Þ][\w'’.&\-]*)*"
)
# What may follow a person's name in a source phrase: a place or an employer
# ("of the Farm Bureau", "at Harvard", "via Zoom") or a time ("on Monday").
TRAILING_PLACE_OR_TIME = re.compile(
    r"\s+(?:(?:of|for)\s+the|(?:at|from|with|via)(?:\s+the)?|on|in|during|last|this|next)"
    r"\s+[A-ZÀ-ÖØ-Þ].*$",
    re.DOTALL,
)
POSSESSIVE_END = re.compile(r"['’]s?$")
BACKGROUND_START = re.compile(
    r"^(?:Meanwhile|Separately|In\s+\d{4}|Last\s+(?:year|month|week)|Earlier|Previously|"
    r"Previous|Prior|Historically|Since|The\s+(?:move|decision)\s+(?:comes|came))\b"
    r"|\bsince\s+(?:independence|its\s+founding)\b"
)
ALSO = re.compile(r"\balso\b")
SPEAKER_TURN_RULES = frozenset({"named.speaker-colon", "inherit.speaker-turn"})
# Sources that are, or may be, a crowd: "he" or "she" never refers back to them.
CROWD_WORDS = frozenset(
    {"many", "some", "most", "few", "several", "others", "they", "people", "police", "staff"}
)
# Where an unnamed source's head noun ends: "sources | familiar with the talks".
SOURCE_QUALIFIER = re.compile(
    r"\s(?:of|with|close|familiar|in|at|from|for|on|who|inside|within|speaking|involved)\b"
)
SPEAKER_LABEL = re.compile(r"^[\"“']?([^:]{1,80}):")
# Two capitalised words in a row, on one line ("Senator Bernie" at a line's end
# and "Sanders" opening the next are not one name): the second may be a surname.
NAME_PAIR = re.compile(r"([A-ZÀ-ÖØ-Þ][\w.’'\-]*)[ \u00a0]+(?=([A-ZÀ-ÖØ-Þ][\w’'\-]*)(?![\w’'\-]))")


@dataclass
class QuoteState:
    """Where a statement sits relative to direct quotes in its paragraph."""

    text: str | None = None
    opens_with_quote: bool = False
    starts_inside: bool = False
    ends_inside: bool = False
    all_quote: bool = False
    spans: tuple[tuple[int, int], ...] = ()  # (start, end) of quoted text in the statement


@dataclass
class Context:
    """What the labeller remembers while walking through an article."""

    own_outlets: list[set[str]] = field(default_factory=list)
    outlet_known: bool = False  # the metadata outlet is one the outlet lexicon knows
    last_source: Statement | None = None
    last_person: Statement | None = None  # people, one or many ("they")
    last_individual: Statement | None = None  # not a crowd such as "many" ("he", "she")

    def referent(self, pronoun: str | None) -> Statement | None:
        """What a pronoun source refers back to: "it" any source, "they" any
        person or group, "he"/"she" a person who is not a crowd ("Some argue
        …" is not who "she" is)."""
        word = pronoun.strip().lower() if pronoun else ""
        if word == "it":
            return self.last_source
        if word in ("he", "she"):
            return self.last_individual
        return self.last_person


class Labeller:
    """Labels statements in place: `Labeller(ruleset).label(document, statements)`."""

    def __init__(self, ruleset: RuleSet):
        self.ruleset = ruleset
        self._hedge_ids = {rule.id for rule in ruleset.rules if "hedge" in rule.labels}
        title = ruleset.lexicons["title"].regex
        self._known_outlet = re.compile(ruleset.lexicons["outlet"].regex)
        self._newspaper_word = re.compile(ruleset.lexicons["newspaper_word"].regex)
        self._broadcast_show = re.compile(ruleset.lexicons["broadcast_show"].regex)
        self._name_stopword = re.compile(ruleset.lexicons["name_stopword"].regex)
        self._role_split = re.compile(rf"^(?P<role>.*\b{title}\.?)\s+(?P<speaker>[A-ZÀ-ÖØ-Þ].*)$")

    def label(
        self,
        document: Document,
        statements: list[Statement],
        fired_out: dict[int, list[RuleMatch]] | None = None,
    ) -> list[Statement]:
        """Label `statements` in place.

        `fired_out`, when given, receives each body statement's rule matches by
        index: the checks and provenance reuse them instead of firing again.
        """
        body = [s for s in statements if s.kind == "statement"]
        fired = [self.ruleset.fire(s.text) for s in body]
        surnames = self.surnames(statements) if needs_surnames(fired) else frozenset()
        own_outlets = self._own_outlets(document, fired, statements)
        learned = self.article_outlets(fired, own_outlets, surnames)
        if learned:  # statements that credit no outlet yet are read again
            fired = [
                self.ruleset.fire_with_outlets(s.text, names)
                if (names := [name for name in learned if name in s.text])
                and not any("outlet" in m.rule.labels for m in matches)
                else matches
                for s, matches in zip(body, fired, strict=True)
            ]
        if fired_out is not None:
            fired_out.update(zip((s.index for s in body), fired, strict=True))
        context = Context(own_outlets=own_outlets, outlet_known=self.knows_its_outlet(document))
        quotes = quote_states(body)
        for statement, matches, quote in zip(body, fired, quotes, strict=True):
            # a statement wholly inside a running quote has no marks of its own
            statement.quote = statement.text if quote is INSIDE_QUOTE else quote.text
            quoted = ((0, len(statement.text)),) if quote is INSIDE_QUOTE else quote.spans
            matches = [m for m in matches if not (m.rule.skip_in_quotes and within(m, quoted))]
            matches = [m for m in matches if passes_name_check(m, surnames)]
            self._label_directly(statement, matches, context, quote.spans)
        self._inherit(body, quotes)
        for statement in body:
            if not statement.labels:
                statement.labels = ["unattributed"]
        return statements

    # -- pass 1 -----------------------------------------------------------
    def _own_outlets(
        self,
        document: Document,
        fired: list[list[RuleMatch]],
        statements: Iterable[Statement] = (),
    ) -> list[set[str]]:
        """The article's own outlet: from metadata, else from own-reporting markers
        and the byline or dateline ("By Sarah Quint, Harbor Tribune Staff Writer",
        "KOROVSK (AP) —").

        The site of the article's web address counts too ("FOXBusiness.com" in a
        story on foxbusiness.com), next to the name, never instead of it.
        """
        outlet = document.metadata.get("outlet")
        site = site_name(document.metadata.get("url"))
        if outlet:
            own = [outlet_tokens(str(outlet))]
        else:
            own = self._marked_outlets(fired) + [
                outlet_tokens(name) for name in self.furniture_outlets(statements)
            ]
        return own + ([{site}] if site else [])

    def furniture_outlets(self, statements: Iterable[Statement]) -> list[str]:
        """Outlets the article names as its own in its byline or dateline.

        A dateline's parenthesis names the wire or outlet ("WASHINGTON (Reuters) —").
        A byline names the outlet after the writer's name when a job title follows it
        ("Harbor Tribune Staff Writer") or when it is an outlet the lexicon knows
        ("By Li Wei, Associated Press"); "By Li Wei, Ana Ortega" names two writers.
        """
        names = []
        for statement in statements:
            if statement.kind != "skip":
                continue
            if statement.reason == "dateline":
                found = DATELINE_OUTLET.search(statement.text)
                if found:
                    names.append(found.group(1).strip())
            elif statement.reason == "byline":
                name = self._byline_outlet(statement.text)
                if name:
                    names.append(name)
        return names

    def _byline_outlet(self, byline: str) -> str | None:
        parts = re.split(r"\s*[,|]\s*", byline.strip())
        if len(parts) < 2:
            return None
        last = parts[-1]
        without_title = BYLINE_TITLE.sub("", last).strip()
        if without_title and without_title != last:
            return without_title
        return last if self.is_known_outlet(last) else None

    @staticmethod
    def _marked_outlets(fired: list[list[RuleMatch]]) -> list[set[str]]:
        """Outlets named by own-reporting markers ("The Post has learned") and never credited."""
        credited = [
            outlet_tokens(name)
            for ms in fired
            for m in ms
            if m.rule.outlet_role == "credited" and (name := outlet_of(m))
        ]
        own = []
        for matches in fired:
            for match in matches:
                name = outlet_of(match)
                if match.rule.outlet_role == "own" and name:
                    tokens = outlet_tokens(name)
                    if not any(tokens <= c or c <= tokens for c in credited):
                        own.append(tokens)
        return own

    def article_outlets(
        self,
        fired: list[list[RuleMatch]],
        own_outlets: list[set[str]],
        surnames: frozenset[str],
    ) -> list[str]:
        """Names the article credits as another outlet that {outlet} does not know.

        A rule credits them by their construction ("Northgate Daily first reported",
        "the sports site Trackside said"); the article's other mentions of the name
        are then read as that outlet ("… told Northgate Daily"). Only names in
        title case: not "state media" or "CNN affiliate WJLA", whose words other
        rules read; not a programme ("Meet the Press", "Hannity"), which may be a
        person too; not a lone newspaper word ("the Ledger"), which
        {newspaper_name} reads after "the"; not a surname ("…, Kettle reported"
        where the article names "Ana Kettle").
        """
        names = set()
        for matches in fired:
            for match in matches:
                name = outlet_of(match) if "outlet" in match.rule.labels else None
                if not name or not passes_name_check(match, surnames):
                    continue
                if self.is_known_outlet(name):
                    continue
                name = LEADING_THE.sub("", described_name(name))
                if (
                    TITLE_CASE_NAME.fullmatch(name)
                    and not self.is_known_outlet(name)
                    and not self._newspaper_word.fullmatch(name)
                    and not self._broadcast_show.search(name)
                    and not is_own_outlet(name, own_outlets)
                ):
                    names.add(name)
        return sorted(names)

    def surnames(self, statements: list[Statement]) -> frozenset[str]:
        """Words that end a longer name in the article: "Kettle" after "Ana Kettle".

        The byline counts ("By Frida Ghitis"), a title-case headline does not
        ("Crew Members Tell Kettle Pumps Failed"). The word before must not be
        one that opens a clause or a sentence ("But Kettle said", "The Kettle
        has …"): only a first name or a title makes the next word a surname.
        """
        found = set()
        for statement in statements:
            if statement.reason == "headline":
                continue
            for pair in NAME_PAIR.finditer(statement.text):
                if not self._name_stopword.fullmatch(pair.group(1)):
                    found.add(pair.group(2))
        return frozenset(found)

    def _is_own(self, name: str, context: Context) -> bool:
        return is_own_outlet(name, context.own_outlets)

    def knows_its_outlet(self, document: Document) -> bool:
        """The metadata names the article's outlet as the outlet lexicon spells it.

        Only then is an own-reporting phrase naming a different outlet ("NBC News
        has learned" in a CNN story) taken as a credit: with "WSJ" or a web site
        as the outlet, a differently spelled own name must not become a credit.
        """
        outlet = str(document.metadata.get("outlet") or "").strip()
        return bool(outlet) and self.is_known_outlet(outlet)

    def is_known_outlet(self, name: str) -> bool:
        return bool(self._known_outlet.fullmatch(" ".join(name.split())))

    def credits_another(self, outlet: str, own_outlets: list[set[str]], outlet_known: bool) -> bool:
        """An own-reporting phrase ("NBC News has learned") names another known outlet,
        in an article whose outlet is known: NBC's reporting in a CNN story, credited.
        Provenance asks the same question of its own-reporting markers."""
        return (
            outlet_known and self.is_known_outlet(outlet) and not is_own_outlet(outlet, own_outlets)
        )

    def _credits_another_outlet(self, match: RuleMatch, context: Context) -> bool:
        outlet = outlet_of(match)
        return bool(
            match.rule.outlet_role == "own"
            and outlet
            and "outlet" not in match.rule.labels
            and self.credits_another(outlet, context.own_outlets, context.outlet_known)
        )

    def _label_directly(
        self,
        statement: Statement,
        matches: list[RuleMatch],
        context: Context,
        quoted: tuple[tuple[int, int], ...] = (),
    ) -> None:
        if not matches:
            return
        accepted: list[RuleMatch] = []
        matches = drop_document_authors(matches, statement.text)
        if not any(m.rule.group == "reaction" for m in matches):
            # With a denial or no-comment the statement is what a party did: "the
            # claims, which Ortega denied, …" and "The Post declined to comment"
            # keep their speaker.
            matches = drop_relative_asides(drop_outlet_speakers(matches), statement.text)
        for match in matches:  # highest priority first
            outlet = outlet_of(match)
            is_outlet_credit = "outlet" in match.rule.labels and outlet
            if (
                is_outlet_credit
                and match.rule.outlet_role != "own"
                and self._is_own(outlet, context)
            ):
                continue  # the article's own reporting, not another outlet's
            if any(competes(match, other) for other in accepted):
                continue
            accepted.append(match)
        accepted = drop_unless_sourced(drop_quoted_sources(drop_content_speakers(accepted), quoted))
        labels: list[str] = []
        sources = [m for m in accepted if m.rule.group in ("speaker", "medium")]
        speaker = next((m for m in sources if m.rule.group == "speaker"), None)
        primary = sources[0] if sources else None  # the highest-priority source match
        for match in accepted:
            for label in match.rule.labels:
                if label == "hedge":
                    continue
                if label == "antecedent":
                    pronoun = normalised_groups(match.groups).get("source")
                    if refers_within(match, pronoun, accepted):
                        continue  # "BuzzFeed's report … as it suggested": the report itself
                    referent = context.referent(pronoun)
                    labels.extend(
                        antecedent_labels(referent, same_occasion(statement, match, referent))
                    )
                else:
                    labels.append(label)
            if self._credits_another_outlet(match, context):
                labels.append("outlet")
        statement.labels = ordered(labels)
        statement.rules = [match.rule.id for match in accepted]
        if primary is not None:
            self._fill_fields(statement, primary, context)
            if speaker is not None and speaker is not primary:
                self._fill_speaker(statement, speaker, context)
        if any(label in SOURCE_LABELS for label in statement.labels):
            context.last_source = statement
        if "named" in statement.labels or "anonymous" in statement.labels:
            context.last_person = statement
            if not is_crowd(statement):
                context.last_individual = statement

    def _fill_fields(self, statement: Statement, match: RuleMatch, context: Context) -> None:
        groups = normalised_groups(match.groups)
        statement.cue = groups.get("cue")
        source = groups.get("source") or groups.get("outlet")
        statement.source = source
        referent = context.referent(groups.get("source"))
        if "antecedent" in match.rule.labels and referent is not None:
            statement.speaker = referent.speaker
            statement.role = referent.role
            return
        if "named" in statement.labels:
            self._fill_person(statement, groups, source)
        else:
            statement.role = groups.get("role")
            statement.speaker = groups.get("speaker")

    def _fill_speaker(self, statement: Statement, match: RuleMatch, context: Context) -> None:
        """Who spoke, when the statement's source is where it was said ("X told CNN")."""
        groups = normalised_groups(match.groups)
        referent = context.referent(normalised_groups(match.groups).get("source"))
        if "antecedent" in match.rule.labels and referent is not None:
            statement.speaker = referent.speaker
            statement.role = referent.role
        elif "named" in match.rule.labels:
            self._fill_person(statement, groups, groups.get("source"))

    def _fill_person(
        self, statement: Statement, groups: dict[str, str], source: str | None
    ) -> None:
        """Role and speaker from a named source's groups, else from its words.

        "The Republican nominee" is a role with no name in it: no speaker.
        """
        statement.role = groups.get("role")
        statement.speaker = groups.get("speaker")
        if source and not statement.speaker and not is_bare_role(source, statement.role):
            self._split_role(statement, source)

    def _split_role(self, statement: Statement, source: str) -> None:
        """'White House Press Secretary Karoline Leavitt' -> role + speaker."""
        split = self._role_split.match(source)
        if split and not statement.role:
            statement.role = LEADING_DETERMINER.sub("", split.group("role"))
            statement.speaker = split.group("speaker")
            return
        # The name is the last capitalised run before a place or a time:
        # "former FBI agent Dana Ruiz" -> Dana Ruiz; "Ruiz of the Farm Bureau",
        # "Ruiz at Harvard", "Ruiz on Monday" -> Ruiz ("Bank of America" stays
        # whole: no "the"); "Ortega’s" -> Ortega.
        person = TRAILING_PLACE_OR_TIME.sub("", LEADING_DETERMINER.sub("", source))
        names = NAME_RUN.findall(person)
        statement.speaker = POSSESSIVE_END.sub("", names[-1]) if names else None

    # -- pass 2 -----------------------------------------------------------
    def _inherit(self, body: list[Statement], quotes: list[QuoteState]) -> None:
        for i, statement in enumerate(body):
            if has_source(statement) or self._hedge_ids.intersection(statement.rules):
                continue
            origin, rule_id = self._origin(body, quotes, i)
            if origin is not None:
                inherit(statement, origin, rule_id)

    def _origin(
        self, body: list[Statement], quotes: list[QuoteState], i: int
    ) -> tuple[Statement | None, str]:
        statement, quote = body[i], quotes[i]
        previous = body[i - 1] if i > 0 else None
        same_paragraph = previous is not None and previous.paragraph == statement.paragraph
        # A quote that runs on: the attribution comes later in the same quote.
        if quote.ends_inside or (
            quote.opens_with_quote and not quote.starts_inside and quote.ends_inside
        ):
            for j in range(i + 1, len(body)):
                if body[j].paragraph != statement.paragraph:
                    break
                if has_source(body[j]) and not body[j].inherited:
                    return body[j], "inherit.quote-span"
                if not quotes[j].ends_inside:
                    break
        if previous is None or not has_source(previous):
            return None, ""
        quote_led = quote.starts_inside or (quote.opens_with_quote and quote.all_quote)
        if quote_led and (same_paragraph or (previous.quote and quote.opens_with_quote)):
            return previous, "inherit.quote-continuation"
        if previous.text.rstrip().endswith(":") and quote.opens_with_quote:
            return previous, "inherit.colon-intro"
        if same_paragraph and is_speaker_turn(previous):
            return previous, "inherit.speaker-turn"
        introduction = block_quote_introduction(body, i)
        if introduction is not None:
            return introduction, "inherit.block-quote"
        if same_paragraph and carries_forward(previous, statement):
            return previous, "inherit.carry-forward"
        return None, ""


def is_speaker_turn(statement: Statement) -> bool:
    """Is the statement's source the transcript speaker label it opens with ("PENCE: …")?

    In "PENCE: Well, Senator Kaine said …" the statement is sourced to Kaine, and
    what follows is still Pence's turn, not Kaine's: no inheritance then.
    """
    if not SPEAKER_TURN_RULES.intersection(statement.rules):
        return False
    label = SPEAKER_LABEL.match(statement.text)
    return statement.inherited or bool(label and label.group(1) == statement.source)


def block_quote_introduction(body: list[Statement], i: int) -> Statement | None:
    """The attributed "X added:" that ends the paragraph before statement i's, if any."""
    first = i
    while first > 0 and body[first - 1].paragraph == body[i].paragraph:
        first -= 1
    if first == 0:
        return None
    introduction = body[first - 1]
    if not introduction.text.rstrip().endswith(":") or not has_source(introduction):
        return None
    return None if introduction.inherited else introduction


def carries_forward(previous: Statement, statement: Statement) -> bool:
    """Does `statement` continue what `previous` reported (rather than add background)?

    Only after an "according to X" attribution, the spec's own example ("…,
    according to the Brennan Center. An Oregon proposal would …"). Measured on
    the tune part and PolNeAR dev, carrying forward after any other attribution
    (a "said" clause) was wrong more often than right: what follows a quote or a
    "said" is usually the reporter's background.
    """
    if previous.inherited or any(label in REACTION_LABELS for label in previous.labels):
        return False
    if any(label in REACTION_LABELS for label in statement.labels):
        return False  # a refusal or a denial is its own party's, not the earlier source's
    if not (previous.cue or "").lower().startswith("according"):
        return False
    return not (BACKGROUND_START.search(statement.text) or ALSO.search(statement.text))


def inherit(statement: Statement, origin: Statement, rule_id: str) -> None:
    source_labels = [label for label in origin.labels if label in SOURCE_LABELS]
    statement.labels = ordered(source_labels + statement.labels)
    statement.source = origin.source
    statement.speaker = origin.speaker
    statement.role = origin.role
    statement.inherited = True
    statement.rules = [*statement.rules, rule_id]


SOURCE_LABEL_SET = frozenset(SOURCE_LABELS)


def is_crowd(statement: Statement) -> bool:
    """Is the statement's source a crowd ("Many", "they", "Critics", "two officials",
    "sources familiar with the talks") rather than one person or organisation?

    Only unnamed sources are judged by a plural head noun: "Sanders" is a name.
    """
    source = (statement.source or "").strip()
    if source.lower() in CROWD_WORDS:
        return True
    if "anonymous" not in statement.labels or "named" in statement.labels:
        return False
    head = SOURCE_QUALIFIER.split(source, maxsplit=1)[0].split()
    noun = head[-1].lower() if head else ""
    return noun in CROWD_WORDS or (len(noun) > 3 and noun.endswith("s") and not noun.endswith("ss"))


def is_bare_role(source: str, role: str | None) -> bool:
    """Whether `source` names a role and no one in it ("the former Republican governor")."""
    return bool(role) and source.rstrip().endswith(role)


def has_source(statement: Statement) -> bool:
    return not SOURCE_LABEL_SET.isdisjoint(statement.labels)


PERSON_PRONOUNS = frozenset({"he", "she", "they"})


def needs_surnames(fired: list[list[RuleMatch]]) -> bool:
    """Does any match depend on the article's surnames (`passes_name_check`)?"""
    return any(
        m.rule.source_named_in_article or m.rule.not_named_in_article for ms in fired for m in ms
    )


def passes_name_check(match: RuleMatch, surnames: frozenset[str]) -> bool:
    """The checks of the rule keys `source_named_in_article` and `not_named_in_article`.

    The first keeps a match whose one-word source is a surname in the article
    ("Sanders: …" where "Bernie Sanders" appears); the second keeps a match whose
    one-word source or outlet is not ("…, Kettle reported" is an outlet unless
    "Ana Kettle" appears) and any longer name. Other rules always pass.
    """
    rule = match.rule
    groups = normalised_groups(match.groups)
    word = groups.get("source") or groups.get("outlet") or ""
    if rule.source_named_in_article:
        return word in surnames
    if rule.not_named_in_article:
        return len(word.split()) > 1 or word not in surnames
    return True


def refers_within(match: RuleMatch, pronoun: str | None, accepted: list[RuleMatch]) -> bool:
    """Does the pronoun refer to a source credited earlier in the same statement?

    "it" to an outlet or document ("BuzzFeed's report … as it suggested"); "he",
    "she" or "they" to a person or group that is itself the source ("Ryan
    hammered Obama for what he called …"), not to the last statement's source.
    """
    word = (pronoun or "").strip().lower()
    if word == "it":
        return any(m.rule.group == "medium" and m.end <= match.start for m in accepted)
    if word in PERSON_PRONOUNS:
        return any(
            m.rule.group == "speaker"
            and "antecedent" not in m.rule.labels
            and ("named" in m.rule.labels or "anonymous" in m.rule.labels)
            and m.end <= match.start
            for m in accepted
        )
    return False


CONTINUING_CUES = frozenset({"added", "adds", "continued", "continues", "went on", "goes on"})
NEW_SETTING = re.compile(
    r"\b(?:at|in|on|during|to|later|afterward|afterwards|Monday|Tuesday|Wednesday|Thursday|"
    r"Friday|Saturday|Sunday)\b",
    re.IGNORECASE,
)


def same_occasion(statement: Statement, match: RuleMatch, referent: Statement | None) -> bool:
    """A continuing cue ("added", "continued") in the referent's paragraph or the
    next, with no new setting named ("She added at a rally …" is another
    occasion)."""
    groups = normalised_groups(match.groups)
    cue = " ".join((groups.get("cue") or "").lower().split())
    between = statement.text[match.start : match.end].replace(groups.get("cue") or "", " ")
    after = statement.text[match.end : match.end + 30]
    return bool(
        cue in CONTINUING_CUES
        and referent is not None
        and statement.paragraph - referent.paragraph in (0, 1)
        and not NEW_SETTING.search(between)
        and not NEW_SETTING.match(after.lstrip(" ,"))
    )


def antecedent_labels(last: Statement | None, same_occasion: bool = False) -> list[str]:
    """A pronoun source is what it refers back to; with nothing before, a named person.

    On the same occasion ("She added" right after "Ortega told CNN …") the
    outlet comes along too. "It" after an outlet's report does not take the
    outlet: it is as often the company or ministry the report was about ("…,
    Reuters reported. It said in a statement …"). A document comes along when
    it was the whole source ("The audit found … It also said …") or on the same
    occasion; otherwise after "In a letter, Ortega said …", "She denied …" is
    Ortega speaking.
    """
    if last is None:
        return ["named"]
    person = [label for label in last.labels if label in ("named", "anonymous")]
    kept = ("named", "anonymous") if person else ("document",)
    kept += ("outlet", "document") if same_occasion else ()
    labels = [label for label in last.labels if label in kept]
    return labels or ["named"]


def ordered(labels: list[str]) -> list[str]:
    order = ("outlet", "anonymous", "named", "document", "denial", "no_comment")
    return [label for label in order if label in labels]


def is_according_to(match: RuleMatch) -> bool:
    """An "according to X" or "per X" credit."""
    cue = match.groups.get("cue", "").lower()
    return cue.startswith("according") or cue == "per"


def drop_content_speakers(accepted: list[RuleMatch]) -> list[RuleMatch]:
    """With an "according to" credit, a name and verb elsewhere are the content.

    In "Cohen promised Gauger work, according to the Journal" the Journal is the
    source and Cohen the subject of what it reported; without the credit,
    "Cohen promised …" would be Cohen's own statement. A speaker who said or
    wrote the words stays a source beside the credit ("Tusk said …, according
    to Reuters"), as the spec's "officials … who spoke with The Post" do.
    """
    credits = [m for m in accepted if is_according_to(m)]
    if not credits:
        return accepted
    return [
        m
        for m in accepted
        if m.rule.group != "speaker"
        or is_according_to(m)
        or any(overlaps(m, credit) for credit in credits)
        or SPEECH_CUE.fullmatch(normalised_groups(m.groups).get("cue", ""))
    ]


# A speaker whose cue is speech itself ("Trump's lawyer said …, according to an
# ABC News report"), or whom the credit cites ("… citing Turkish officials"),
# gave the words the credited outlet reports: a source too.
SPEECH_CUE = re.compile(
    r"(?i)(?:said|says|told|tells|wrote|writes|added|stated|citing|cited)(?:\s+that)?"
)


def drop_unless_sourced(accepted: list[RuleMatch]) -> list[RuleMatch]:
    """Drop `unless_sourced` matches when another accepted rule gives a source."""
    if not any(m.rule.unless_sourced for m in accepted):
        return accepted
    sourced = any(
        m.rule.group in ("speaker", "medium") and not m.rule.unless_sourced for m in accepted
    )
    return [m for m in accepted if not (sourced and m.rule.unless_sourced)]


def drop_document_authors(matches: list[RuleMatch], text: str) -> list[RuleMatch]:
    """A name inside a document's noun phrase is its author, not a second source.

    In "A study by the Pew Research Center found that …" the study is the source
    of "found"; "Pew Research Center found that" matches too, from inside the
    phrase and with the same cue.
    """
    documents = [m for m in matches if "document" in m.rule.labels and m.groups.get("cue")]
    if not documents:
        return matches
    return [m for m in matches if not any(is_inside_subject(m, d, text) for d in documents)]


def is_inside_subject(match: RuleMatch, document: RuleMatch, text: str) -> bool:
    """Does a speaker match start inside the document's subject and share its cue?

    Not when a relative clause comes between: in "The memo seen by the council
    is a draft that one aide said …" the aide is the clause's subject.
    """
    if match.rule.group != "speaker" or not document.start < match.start < document.end:
        return False
    document_cue = document.groups["cue"].lower()
    if match.start >= document.end - len(document_cue) or match.end < document.end:
        return False  # "The paper, citing officials, said": the officials are cited
    if RELATIVE_WORD.search(text, document.start, match.start):
        return False
    return match.groups.get("cue", "").lower().startswith(document_cue)


RELATIVE_WORD = re.compile(r"\b(?:that|which|who|whom)\s")
LEADING_THE = re.compile(r"^[Tt]he\s+")
# "the Belvarian news site Kettle": the name after the kind of news outlet. Only
# after "the": in "told a newspaper the US would …" no name follows the kind.
DESCRIBED_NAME = re.compile(
    r"^[Tt]he\s+(?:[\w’'\-]+\s+){0,3}?(?:news\s+(?:agency|site|website|outlet)|newspaper|daily|"
    r"weekly|tabloid|magazine|broadcaster|(?:radio|TV|television)\s+(?:station|channel)|"
    r"wire\s+service)\s+([A-ZÀ-ÖØ-Þ][\w’'.&\-]*(?:\s+[A-ZÀ-ÖØ-Þ][\w’'.&\-]*){0,3})$"
)
# "Northgate Daily", "Channel Seven", "Radio Tessa 24": capitalised words or numbers
TITLE_CASE_NAME = re.compile(r"[A-ZÀ-ÖØ-Þ][\w’'.&\-]*(?:\s+(?:[A-ZÀ-ÖØ-Þ][\w’'.&\-]*|\d+))*")
# "WASHINGTON (Reuters) —": the outlet in a dateline's parenthesis
DATELINE_OUTLET = re.compile(r"\(([A-Z][^()]{0,38})\)")
# "… Harbor Tribune Staff Writer": the job title that follows an outlet in a byline
BYLINE_TITLE = re.compile(
    r"\s+(?:(?:Staff|Senior|Chief|Political|Investigative|Special|Contributing|Foreign|"
    r"Business|Sports|Health|Science|Education|Metro|City|Courts?)\s+)*"
    r"(?:Writers?|Reporters?|Correspondents?|Editors?|Contributors?|Columnists?)\.?$"
)


# A "which X <cue>" clause that ends, perhaps after a time or place, is an aside:
# "The bill, which Ortega described in a speech last week, passed" mentions that
# Ortega described it; "…, which he denied." and "which he says left a gap" stay.
RELATIVE_WHICH = re.compile(r"\bwhich\s+$")
NOT_A_CLAUSE = re.compile(
    r"\s*,(?!\s*[“\"‘'])|\s+(?:(?:in|on|at|during|last|this|earlier|yesterday|today)\b"
    r"[^,;:.“”\"]{0,40}|(?:her|him|them|me|us)\s+about)\s*,(?!\s*[“\"‘'])"
)


def drop_relative_asides(matches: list[RuleMatch], text: str) -> list[RuleMatch]:
    """A source inside a "which" clause whose cue takes no clause is an aside."""
    return [
        m
        for m in matches
        if m.rule.group != "speaker"
        or not NOT_A_CLAUSE.match(text, m.end)  # anchored: cheaper, so tried first
        or not RELATIVE_WHICH.search(text, 0, m.start)
    ]


def drop_outlet_speakers(matches: list[RuleMatch]) -> list[RuleMatch]:
    """A name another rule credits as an outlet is not also a named speaker.

    "State broadcaster TVN said …": outlet.described-outlet credits TVN, and
    named.name-cue reads "TVN said" as a named source; TVN is the outlet.
    """
    outlets = {
        name_key(name) for m in matches if "outlet" in m.rule.labels if (name := outlet_of(m))
    }
    if not outlets:
        return matches
    return [m for m in matches if m.rule.group != "speaker" or not names_an_outlet(m, outlets)]


def names_an_outlet(match: RuleMatch, outlets: set[str]) -> bool:
    """Is the match's source one of the outlets, maybe after a role ("broadcaster TVN")
    or cut to the end of its name ("York Times" for "The New York Times")?"""
    source = name_key(normalised_groups(match.groups).get("source", ""))
    return any(
        source == outlet
        or (source.endswith(" " + outlet) and not PREPOSITION.search(source[: -len(outlet)]))
        or outlet.endswith(" " + source)
        for outlet in outlets
    )


# "economists polled by the Journal": the outlet ends a qualifier, not a role
PREPOSITION = re.compile(r"\b(?:by|of|with|to|for|from|at|in|on)\s")


def name_key(name: str) -> str:
    """A name as compared across rules: no leading "the", no full stop, any case."""
    words = without_full_stop(name.strip()).split()
    if words and words[0].lower() == "the":
        words = words[1:]
    return " ".join(words).lower()


def drop_quoted_sources(
    accepted: list[RuleMatch], quoted: tuple[tuple[int, int], ...]
) -> list[RuleMatch]:
    """A source named inside the quoted words yields to the speaker outside them.

    In "“Officials said the plan was dead,” Ortega said." Ortega is the source and
    the officials are part of what Ortega said. Denials and no-comment lines
    inside a quote stay: they are what the speaker did.
    """
    if not quoted:
        return accepted

    def is_quoted(match: RuleMatch) -> bool:
        return any(start <= match.start and match.end <= end for start, end in quoted)

    sources = [m for m in accepted if m.rule.group in ("speaker", "medium")]
    if not any(not is_quoted(m) for m in sources):
        return accepted
    return [m for m in accepted if m not in sources or not is_quoted(m)]


def within(match: RuleMatch, spans: tuple[tuple[int, int], ...]) -> bool:
    """Does the match start inside one of the (start, end) spans?"""
    return any(start <= match.start < end for start, end in spans)


def overlaps(a: RuleMatch, b: RuleMatch) -> bool:
    return a.start < b.end and b.start < a.end


def competes(match: RuleMatch, accepted: RuleMatch) -> bool:
    """Does an already accepted (higher-priority) match rule out this one?"""
    groups = {match.rule.group, accepted.rule.group}
    if "reaction" in groups or not overlaps(match, accepted):
        return False
    if obtained_by_outlet(accepted, match) or obtained_by_outlet(match, accepted):
        return False
    return len(groups) == 1 or "hedge" in groups


# An outlet that saw or obtained a document is not its author: "Court records
# seen by the Herald show …" is the records' (document) and the Herald's (outlet).
OBTAINED_BY = re.compile(
    r"(?:(?:first|later)\s+)?(?:seen|obtained|reviewed|viewed|discovered|uncovered)\s+by", re.I
)


def obtained_by_outlet(outlet: RuleMatch, document: RuleMatch) -> bool:
    """Is `outlet` a credit, inside `document`'s subject, for having obtained it?"""
    cue = normalised_groups(outlet.groups).get("cue", "")
    return (
        "outlet" in outlet.rule.labels
        and "document" in document.rule.labels
        and document.start <= outlet.start
        and outlet.end <= document.end
        and OBTAINED_BY.fullmatch(cue) is not None
    )


def described_name(name: str) -> str:
    """The outlet's own name in a description of it ("the Belvarian news site Kettle"
    -> "Kettle"), so that the article's later "Kettle reported" is read as that outlet."""
    found = DESCRIBED_NAME.search(name)
    return found.group(1) if found else name


def outlet_of(match: RuleMatch) -> str | None:
    """The outlet a match names, from `outlet` or an alternative's `outlet2`…"""
    return normalised_groups(match.groups).get("outlet")


def normalised_groups(groups: dict[str, str]) -> dict[str, str]:
    """Patterns with alternatives name groups `cue2`, `source2`…: fold them to `cue`, `source`."""
    result: dict[str, str] = {}
    for name, value in groups.items():
        result.setdefault(name.rstrip("0123456789"), without_full_stop(value.strip()))
    return result


def without_full_stop(phrase: str) -> str:
    """A source captured up to the end of the sentence loses the sentence's full stop.

    "the Daily Ledger." -> "the Daily Ledger", "the FBI." -> "the FBI"; abbreviations
    keep theirs ("D.C.", "Jr.", "Inc.").
    """
    words = phrase.split()
    if not words or not words[-1].endswith("."):
        return phrase
    last = words[-1][:-1]
    if not last.isalpha() or last in KEEPS_FULL_STOP or (len(last) < 3 and not last.isupper()):
        return phrase  # "D.C.", "Jr.", "Inc."
    return phrase[:-1]


# Abbreviations a source phrase can end with, whose full stop is their own.
KEEPS_FULL_STOP = frozenset(
    [
        "Jr",
        "Sr",
        "Inc",
        "Co",
        "Corp",
        "Ltd",
        "Bros",
        "Mr",
        "Mrs",
        "Ms",
        "Dr",
        "St",
        "Gen",
        "Gov",
        "Sen",
        "Rep",
        "Rev",
        "Prof",
        "Esq",
        "Ph",
    ]
)


WEB_WORDS = frozenset({"www", "com", "co", "uk", "org", "net"})
NOT_OUTLET_WORDS = frozenset({"the", "news", "s"}) | WEB_WORDS
# Labels of a host name that say nothing about the outlet: country and generic
# domains, and portals that carry many outlets' stories.
SITE_NOISE = frozenset(
    {"com", "co", "org", "net", "ac", "gov", "edu", "www", "edition", "amp", "m", "mobile"}
    | {"news", "go", "msn", "yahoo", "aol", "google", "apple", "article", "articles"}
)


def outlet_tokens(name: str) -> set[str]:
    """Comparable words of an outlet name: 'The New York Post' -> {'new', 'york', 'post'}.

    Web-address words go too, so "FOXBusiness.com" is {'foxbusiness'}.
    """
    words = re.findall(r"\w+", name.lower())
    return {w for w in words if w not in NOT_OUTLET_WORDS} or set(words)


def outlet_forms(name: str) -> set[str]:
    """Run-together spellings of a name: 'NBC News' -> {'nbcnews', 'nn'}; 'The Guardian'
    -> {'theguardian', 'guardian'} (to meet a site word such as nbcnews or theguardian,
    and initials such as 'WSJ')."""
    words = [w for w in re.findall(r"\w+", name.lower()) if w not in WEB_WORDS]
    if not words:
        return set()
    forms = {"".join(words)}
    if words[0] == "the" and len(words) > 1:
        words = words[1:]
        forms.add("".join(words))
    if len(words) > 1:
        forms.add("".join(w[0] for w in words))
    return {form for form in forms if len(form) > 1}


def is_own_outlet(name: str, own_outlets: list[set[str]]) -> bool:
    """Whether an outlet named in the text is one of the article's own outlets.

    Same words ("The Post" ~ "New York Post"), run together ("Fox Business" ~ the
    site foxbusiness), or initials ("WSJ" ~ "Wall Street Journal").
    """
    tokens = outlet_tokens(name)
    if not tokens:
        return False
    forms = outlet_forms(name)
    for own in own_outlets:
        if tokens <= own or own <= tokens:
            return True
        if len(own) == 1 and not own.isdisjoint(forms):  # a site word such as 'nbcnews'
            return True
        if (
            len(tokens) == 1
            and len(own) > 1
            and sorted(next(iter(tokens))) == sorted(w[0] for w in own)
        ):
            return True  # initials against a written-out name, whose word order is lost
    return False


def site_name(url: object) -> str | None:
    """The outlet word of a web address: 'http://www.foxbusiness.com/x' -> 'foxbusiness',
    'https://www.nzherald.co.nz/' -> 'nzherald'; None for anything that is not one."""
    if not isinstance(url, str):
        return None
    host = re.match(r"^(?:https?://|www\.)([a-z0-9.\-]+)", url.strip().lower())
    if not host:
        return None
    labels = host.group(1).split(".")[:-1]  # the last label is the top-level domain
    names = [label for label in labels if label.isalpha() and label not in SITE_NOISE]
    return names[-1] if names and len(names[-1]) > 2 else None


def single_quoted_paragraphs(body: list[Statement]) -> set[int]:
    """Paragraphs quoted with single marks: no double quote, a statement that
    opens a quote with ‘ or ' before a capital or a digit, at its start or after
    a colon or comma ("Ortega said: 'We will stay.'"), and one that closes a
    quote after punctuation."""
    opening = {s.paragraph for s in body if OPENS_WITH_SINGLE_QUOTE.search(s.text)}
    if not opening:
        return set()
    doubled = {s.paragraph for s in body if s.paragraph in opening and QUOTE_MARK.search(s.text)}
    # punctuation before a closing mark, as British quotes put it (",’ he said"):
    # a single-quoted subheading ("‘A very scary time’") has none
    closed = {s.paragraph for s in body if s.paragraph in opening and CLOSES_SINGLE.search(s.text)}
    return (opening & closed) - doubled - title_case_lines(body, opening)


def title_case_lines(body: list[Statement], paragraphs: set[int]) -> set[int]:
    """Paragraphs of one statement in title case: a quoted subheading ("'All Bets Are Off.'")."""
    counts = Counter(statement.paragraph for statement in body)
    return {
        s.paragraph
        for s in body
        if s.paragraph in paragraphs and counts[s.paragraph] == 1 and is_title_case(s.text)
    }


def is_title_case(text: str) -> bool:
    words = re.findall(r"[A-Za-z][\w’']*", text)
    return len(words) >= 2 and sum(w[0].isupper() for w in words) >= 0.6 * len(words)


NO_QUOTE = QuoteState()  # shared: a statement with no quote marks, outside any quote
INSIDE_QUOTE = QuoteState(starts_inside=True, ends_inside=True, all_quote=True)


def quote_states(body: list[Statement]) -> list[QuoteState]:
    """For each statement: its quoted text and whether a quote is open at its edges.

    Quote state runs on across the statements of a paragraph and resets at a new one.
    A paragraph with no double quotes that opens a statement with a single one
    is quoted the British way ("‘We will stay,’ he said. ‘No one is leaving.’").
    """
    single_quoted = single_quoted_paragraphs(body)
    states: list[QuoteState] = []
    open_quote = False
    paragraph = None
    for statement in body:
        if statement.paragraph != paragraph:
            open_quote, paragraph = False, statement.paragraph
        text = statement.text
        if statement.paragraph in single_quoted:
            marks, starts = SINGLE_QUOTE_MARK, SINGLE_QUOTE_STARTS
            has_marks = marks.search(text) is not None
        else:  # the plain `in` tests are QUOTE_MARK.search, faster on this hot path
            marks, starts = QUOTE_MARK, QUOTE_STARTS
            has_marks = '"' in text or "“" in text or "”" in text or "''" in text
        if not has_marks:
            states.append(INSIDE_QUOTE if open_quote else NO_QUOTE)
            continue
        state = QuoteState(starts_inside=open_quote)
        state.opens_with_quote = text.startswith(starts) or (
            not open_quote and text.startswith(CLOSE_QUOTES)
        )
        pieces: list[str] = []
        outside: list[str] = []
        spans: list[tuple[int, int]] = []
        position = 0
        for mark in marks.finditer(text):
            char, at = mark.group(0), mark.start()
            if char == '"' and at > 0 and text[at - 1].isdigit():
                continue  # an inch mark ('a 55" screen'), not a quote
            # a closing mark that starts a statement outside a quote opens one (reader
            # comments are often typed ”Text.” ― Name)
            opening = (
                char == OPEN_QUOTES
                or char == "‘"
                or (char in STRAIGHT_QUOTES and not open_quote)
                or (char == "'" and (at == 0 or not text[at - 1].isalnum()))
                or (at == 0 and not open_quote)
            )
            (pieces if open_quote else outside).append(text[position:at])
            if open_quote:
                spans.append((position, at))
            if opening:
                open_quote = True
            elif open_quote:
                open_quote = False
            position = mark.end()
        (pieces if open_quote else outside).append(text[position:])
        if open_quote:
            spans.append((position, len(text)))
        state.spans = tuple(spans)
        quoted = " ".join(p.strip() for p in pieces if p.strip())
        state.text = quoted or None
        state.ends_inside = open_quote
        state.all_quote = bool(quoted) and not WORD_CHAR.search("".join(outside))
        states.append(state)
    return states
