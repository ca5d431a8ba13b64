"""Deterministic paraphrased rewrites of real articles, for tests and benchmarks.

The repository may not store publishers' text, so the rewrites are made at run
time from `../shared/data/news/`. A rewrite does what a content farm does: it
drops sentences, swaps words for synonyms, reorders clauses and paragraphs,
merges sentences, keeps or paraphrases the direct quotes, and credits the
original ("According to a report by CNN, …") or not. Names and numbers are
kept. The same record and variant always give the same rewrite.

    from rewrites import rewrite
    copy = rewrite(record, credited=True, keep_quotes=False)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
from typing import Any

REWRITE_OUTLET = "The Daily Recap"  # a made-up outlet, not in the outlet lexicon

# Common news words and the words a rewriter puts in their place.
SYNONYMS: dict[str, list[str]] = {
    "said": ["stated", "noted", "explained"],
    "says": ["states", "notes"],
    "told": ["informed"],
    "officials": ["authorities", "administration figures"],
    "official": ["representative"],
    "president": ["leader"],
    "government": ["administration"],
    "announced": ["unveiled", "disclosed"],
    "according": ["per"],
    "people": ["individuals"],
    "country": ["nation"],
    "plan": ["proposal", "scheme"],
    "decision": ["move", "ruling"],
    "meeting": ["session", "talks"],
    "week": ["seven days"],
    "agreed": ["consented"],
    "called": ["described"],
    "asked": ["questioned"],
    "help": ["assist"],
    "helped": ["assisted"],
    "expected": ["anticipated", "projected"],
    "however": ["nevertheless", "still"],
    "also": ["additionally", "likewise"],
    "big": ["large", "major"],
    "large": ["sizable", "big"],
    "small": ["modest", "minor"],
    "important": ["significant", "key"],
    "major": ["significant", "big"],
    "new": ["fresh", "latest"],
    "many": ["numerous", "a lot of"],
    "several": ["a number of", "multiple"],
    "began": ["started", "kicked off"],
    "started": ["began", "launched"],
    "start": ["beginning", "launch"],
    "end": ["conclusion", "close"],
    "ended": ["concluded", "finished"],
    "show": ["indicate", "reveal"],
    "shows": ["indicates", "reveals"],
    "showed": ["indicated", "revealed"],
    "increase": ["rise", "jump"],
    "increased": ["rose", "climbed"],
    "decrease": ["drop", "decline"],
    "cut": ["reduce", "slash"],
    "support": ["backing"],
    "supported": ["backed", "endorsed"],
    "oppose": ["resist", "fight"],
    "opposed": ["resisted", "objected to"],
    "law": ["legislation", "statute"],
    "bill": ["measure", "legislation"],
    "vote": ["ballot"],
    "voted": ["cast ballots"],
    "campaign": ["drive", "effort"],
    "attack": ["assault", "strike"],
    "attacks": ["assaults", "strikes"],
    "killed": ["left dead", "claimed the lives of"],
    "died": ["passed away", "lost their lives"],
    "police": ["law enforcement", "officers"],
    "investigation": ["probe", "inquiry"],
    "report": ["account", "study"],
    "group": ["organization", "body"],
    "company": ["firm", "business"],
    "leaders": ["heads", "chiefs"],
    "leader": ["head", "chief"],
    "lawmakers": ["legislators", "members of Congress"],
    "claims": ["assertions", "allegations"],
    "claimed": ["asserted", "alleged"],
    "recent": ["latest", "new"],
    "recently": ["lately"],
    "currently": ["presently", "now"],
    "statement": ["release", "declaration"],
    "issue": ["matter", "question"],
    "issues": ["matters", "questions"],
    "problem": ["difficulty", "challenge"],
    "problems": ["difficulties", "challenges"],
    "need": ["require"],
    "needs": ["requires"],
    "want": ["wish"],
    "wants": ["wishes", "seeks"],
    "wanted": ["sought", "wished"],
    "try": ["attempt", "seek"],
    "tried": ["attempted", "sought"],
    "trying": ["attempting", "seeking"],
    "because": ["since", "as"],
    "about": ["roughly", "regarding"],
    "before": ["prior to", "ahead of"],
    "after": ["following", "in the wake of"],
    "during": ["throughout", "amid"],
    "despite": ["in spite of", "notwithstanding"],
    "among": ["amid", "between"],
    "including": ["such as", "among them"],
    "could": ["might", "may"],
    "would": ["will likely"],
    "should": ["ought to"],
    "early": ["initial"],
    "later": ["subsequently", "afterward"],
    "make": ["create", "produce"],
    "made": ["created", "produced"],
    "get": ["obtain", "receive"],
    "got": ["received", "obtained"],
    "take": ["seize", "grab"],
    "took": ["seized", "assumed"],
    "give": ["grant", "provide"],
    "gave": ["granted", "provided"],
    "use": ["utilize", "employ"],
    "used": ["employed", "utilized"],
    "think": ["believe"],
    "believe": ["think", "are convinced"],
    "believes": ["thinks", "is convinced"],
    "continue": ["keep", "carry on"],
    "continued": ["kept on", "persisted"],
    "remain": ["stay"],
    "remains": ["stays"],
    "likely": ["probably", "expected to"],
    "possible": ["potential", "feasible"],
    "move": ["step", "action"],
    "effort": ["push", "bid"],
    "efforts": ["attempts", "bids"],
    "concerns": ["worries", "fears"],
    "concern": ["worry", "fear"],
    "warned": ["cautioned", "alerted"],
    "criticized": ["slammed", "blasted"],
    "accused": ["charged", "blamed"],
    "reported": ["disclosed"],
    "public": ["open", "general"],
    "former": ["ex-", "previous"],
    "top": ["senior", "leading"],
    "senior": ["high-ranking", "top"],
    "earlier": ["previously", "before"],
    "first": ["initial", "opening"],
    "last": ["previous", "final"],
    "nearly": ["almost", "close to"],
}
DROP_WORD_RATE = 0.2
OPENERS = ("Meanwhile,", "Notably,", "In addition,", "At the same time,", "Separately,")
FILLER = {"also", "currently", "reportedly", "however", "still", "just", "even", "really"}
LOWERCASE_OPENERS = set(
    [
        "the",
        "a",
        "an",
        "in",
        "on",
        "at",
        "but",
        "and",
        "this",
        "that",
        "it",
        "he",
        "she",
        "they",
        "we",
        "there",
        "after",
        "before",
        "when",
        "while",
        "as",
    ]
)
QUOTE_SPAN = re.compile(r"[“\"][^“”\"]{3,}[”\"]")
WORD = re.compile(r"[A-Za-z]+")
SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][”\"]))\s+(?=[“\"A-Z])")
ABBREVIATION_END = re.compile(r"\b(?:[A-Z]\.|Mr\.|Mrs\.|Ms\.|Dr\.|St\.|Sen\.|Rep\.|Gov\.|Gen\.)$")
CREDIT_LEADS = (
    "According to a report by {outlet}, {rest}",
    "{rest_cap} {outlet} first reported the news.",
    "As first reported by {outlet}, {rest}",
    "{outlet} reported that {rest}",
)


def rng_for(record_id: str, variant: str) -> random.Random:
    seed = hashlib.sha256(f"{record_id}|{variant}".encode()).hexdigest()
    return random.Random(int(seed[:16], 16))


def split_sentences(paragraph: str) -> list[str]:
    """Naive sentence split that keeps "U.S." and "Mr." together."""
    pieces, current = [], ""
    for piece in SENTENCE_END.split(paragraph):
        current = f"{current} {piece}".strip()
        if not ABBREVIATION_END.search(current):
            pieces.append(current)
            current = ""
    if current:
        pieces.append(current)
    return pieces


def substitute(text: str, rng: random.Random, rate: float) -> str:
    """Swap common words for synonyms and drop fillers, leaving names alone."""

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        lower = word.lower()
        if word[0].isupper() and match.start() > 0:
            return word  # a name ("New Hampshire"), not a word to swap
        if lower in FILLER and rng.random() < rate:
            return ""
        options = SYNONYMS.get(lower)
        if not options or rng.random() > rate:
            return word
        choice = rng.choice(options)
        return choice[0].upper() + choice[1:] if word[0].isupper() else choice

    return re.sub(r"\s{2,}", " ", WORD.sub(swap, text)).replace(" ,", ",")


def paraphrase_sentence(sentence: str, rng: random.Random, keep_quotes: bool) -> str:
    """Synonyms outside quotes; quotes kept verbatim or turned into indirect speech."""
    if not keep_quotes:
        sentence = QUOTE_SPAN.sub(lambda m: reword(m.group(0)[1:-1], rng), sentence)
        return with_opener(swap_clauses(reword(sentence, rng), rng), rng)
    parts, position = [], 0
    for quote in QUOTE_SPAN.finditer(sentence):
        parts.append(reword(sentence[position : quote.start()], rng))
        parts.append(quote.group(0))
        position = quote.end()
    parts.append(reword(sentence[position:], rng))
    rewritten = "".join(parts)
    if QUOTE_SPAN.search(rewritten):
        return rewritten
    return with_opener(swap_clauses(rewritten, rng), rng)


def reword(text: str, rng: random.Random) -> str:
    """Synonyms, then drop some lower-case words a rewriter would cut or change."""
    text = substitute(text, rng, 0.9)

    def maybe_drop(match: re.Match[str]) -> str:
        word = match.group(0)
        keep = word[0].isupper() or len(word) < 4 or rng.random() > DROP_WORD_RATE
        return word if keep else ""

    return re.sub(r"\s{2,}", " ", WORD.sub(maybe_drop, text)).replace(" ,", ",")


def with_opener(sentence: str, rng: random.Random) -> str:
    """Sometimes start the sentence with a transition ("Meanwhile, the …")."""
    if rng.random() >= 0.15 or not sentence or sentence.split()[0].lower() not in LOWERCASE_OPENERS:
        return sentence
    return f"{rng.choice(OPENERS)} {sentence[0].lower()}{sentence[1:]}"


def swap_clauses(sentence: str, rng: random.Random) -> str:
    """'A, B.' -> 'B, a.' for sentences with two long enough clauses."""
    head, sep, tail = sentence.partition(", ")
    if not sep or rng.random() < 0.5 or len(head.split()) < 4 or len(tail.split()) < 4:
        return sentence
    tail = tail.rstrip(".")
    if head.split()[0].lower() in LOWERCASE_OPENERS:
        head = head[0].lower() + head[1:]
    return f"{tail[0].upper()}{tail[1:]}, {head}."


def credit_line(first: str, outlet: str, rng: random.Random) -> str:
    bare = len(outlet.split()) == 1 or outlet.lower().startswith("the ") or "News" in outlet
    name = outlet if bare else f"the {outlet}"
    template = rng.choice(CREDIT_LEADS)
    lead = name[0].upper() + name[1:] if template.startswith("{outlet}") else name
    rest = first[0].lower() + first[1:] if first[:2] != first[:2].upper() else first
    return template.format(outlet=lead, rest=rest, rest_cap=first.rstrip("."))


def next_day(value: str | None) -> str | None:
    """The day after an ISO date; None for a missing or partial date ('2004-2005')."""
    try:
        return (dt.date.fromisoformat((value or "")[:10]) + dt.timedelta(days=1)).isoformat()
    except ValueError:
        return None


def rewrite(
    record: dict[str, Any],
    credited: bool,
    keep_quotes: bool,
    dated: bool = True,
    drop_rate: float = 0.25,
) -> dict[str, Any]:
    """A paraphrased rewrite of `record` as a new record (id `rw-…-<source id>`)."""
    variant = f"{'c' if credited else 'u'}{'q' if keep_quotes else 'p'}"
    rng = rng_for(record["id"], variant)
    paragraphs = [p.strip() for p in record["text"].split("\n") if len(p.split()) >= 6]
    out: list[list[str]] = []
    for paragraph in paragraphs:
        kept = [
            paraphrase_sentence(s, rng, keep_quotes)
            for s in split_sentences(paragraph)
            if rng.random() >= drop_rate
        ]
        if len(kept) >= 2 and rng.random() < 0.3:
            kept[0:2] = [f"{kept[0].rstrip('.')}, and {kept[1][0].lower()}{kept[1][1:]}"]
        if kept:
            out.append(kept)
    for i in range(1, len(out) - 1):  # light paragraph reordering after the lead
        if rng.random() < 0.2:
            out[i], out[i + 1] = out[i + 1], out[i]
    if credited and out:
        out[0][0] = credit_line(out[0][0], record["outlet"], rng)
    date = next_day(record.get("date")) if dated else None
    return {
        "id": f"rw-{variant}-{record['id']}",
        "outlet": REWRITE_OUTLET,
        "date": date,
        "headline": None,
        "url": None,
        "authors": None,
        "text": "\n\n".join(" ".join(p) for p in out),
        "source_id": record["id"],
        "credited": credited,
    }


def variants(record: dict[str, Any], dated: bool = True) -> list[dict[str, Any]]:
    """The four rewrites of a record: credited or not, quotes kept or paraphrased."""
    return [
        rewrite(record, credited=credited, keep_quotes=keep, dated=dated)
        for credited in (True, False)
        for keep in (True, False)
    ]
