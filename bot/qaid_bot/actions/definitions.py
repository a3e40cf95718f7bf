"""Offline definitions (``glossary_index``: project entries, HPO, ICD-10, WordNet): a known term gets
its entry and its source, a close misspelling is named as such, an unknown term gets an honest
"I don't know" — never a guess."""

from __future__ import annotations

import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from ..settings import settings
from . import texts
from .common import DEFINITIONS, slot_list
from .glossary_index import Entry, glossary, warm_up
from .message_parts import other_parts
from .normalize import key
from .treatment import NO_ADVICE, TREATMENT

if settings().warmup:
    warm_up()

# Words a "what does X mean?" can put in X that are no term at all (WordNet would define them).
_NOT_TERMS = {
    "it", "this", "that", "these", "those", "they", "them", "he", "she", "you", "me", "we", "i",
    "what", "which", "this word", "that word", "the word", "this term", "that term", "the term", "word",
    "term", "mean", "means", "meaning", "this mean", "that mean", "all this", "all that",
}  # fmt: skip


def lookup(term: str) -> Entry | None:
    """The glossary entry for ``term`` (project → HPO → ICD-10 → WordNet; exact forms only)."""
    if key(term) in _NOT_TERMS:
        return None
    return glossary().lookup(term)


def find_in_text(text: str) -> Entry | None:
    """The longest project glossary alias that occurs in ``text`` (when NLU extracted no entity)."""
    return glossary().find_project_term(text)


def resolve(text: str, terms: list[str]) -> tuple[Entry | None, str | None]:
    """(entry, the phrase the patient typed when the entry is a close spelling of it, not exact).

    The term asked about is the one after "what is ..." when the patient wrote that, else the term
    mentioned last ("I have MS and my neurologist talks about demyelination, what is that?" asks
    about demyelination, not MS): ``terms`` come in the order NLU found them."""
    asked = [t for t in [guess_term(text), *reversed(terms)] if t and key(t) not in _NOT_TERMS]
    for t in asked:
        if entry := lookup(t):
            return entry, None
    if entry := find_in_text(text):
        return entry, None
    for t in asked:
        if entry := glossary().closest(t):
            return entry, t
    return None, None


_ASK_PATTERNS = [
    r"what(?:'s| is| are| does| do)\s+(?:an?\s+|the\s+)?(.+?)(?:\s+mean|\s+stand for)?\??$",
    r"(?:define|explain|meaning of|definition of)\s+(?:an?\s+|the\s+)?(.+?)\??$",
]


def guess_term(text: str) -> str | None:
    """The phrase the patient asked about ("what is a foo?" -> "foo"), for the "I don't know" reply."""
    t = re.sub(
        r"\b(?:please|pls|to me|for me|exactly|again|in plain english|in simple words)\b", " ", text.lower()
    )
    t = re.sub(r"\s+", " ", t).strip(" ?.!,")
    # the sentence that asks (the last one that does), from its "what"/"define" on
    for sentence in reversed(re.split(r"(?<=[.!?])\s+", t)):
        sentence = re.sub(r"^.*,\s*(?=(?:what|define|explain|meaning|definition)\b)", "", sentence)
        for p in _ASK_PATTERNS:
            if m := re.search(p, sentence.strip(" ?.!,")):
                return m.group(1).strip(" ?.!\"'") or None
    return None


def recent_user_text(tracker: Tracker, turns: int = 5) -> str:
    """The patient's last few messages, the context a term's sense is chosen in."""
    said = [str(e.get("text") or "") for e in tracker.events if e.get("event") == "user"]
    return " ".join(said[-turns:])


def entity_terms(tracker: Tracker) -> list[str]:
    """The medical terms NLU found in the latest message, in the order they occur."""
    found = [
        e
        for e in (tracker.latest_message or {}).get("entities", [])
        if e.get("entity") == "medical_term" and e.get("value")
    ]
    found.sort(key=lambda e: int(e.get("start") or 0))
    return [str(e["value"]) for e in found]


class ActionDefine(Action):
    def name(self) -> str:
        return "action_define"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = str((tracker.latest_message or {}).get("text") or "")
        terms = entity_terms(tracker)
        entry, typed = resolve(text, terms)
        parts = other_parts(tracker)
        if entry is not None:
            entry = entry.in_context(f"{recent_user_text(tracker)} {text}")
        if entry is None:
            asked = terms[-1] if terms else guess_term(text)
            if TREATMENT.search(text):  # "what does this mean for my treatment?" asks for advice
                reply = NO_ADVICE
            elif asked and key(asked) not in _NOT_TERMS:
                reply = (
                    f"I don't know the term \"{asked}\", and I'd rather not guess. "
                    "A doctor or pharmacist can explain it reliably."
                )
            else:
                reply = texts.WHICH_TERM
            dispatcher.utter_message(text=" ".join(p for p in (parts.text, reply) if p))
            return parts.events
        dispatcher.utter_message(text=" ".join(p for p in (parts.text, entry.reply(asked_for=typed)) if p))
        defined = slot_list(tracker, DEFINITIONS)
        if entry.term not in defined:
            defined.append(entry.term)
        return [*parts.events, SlotSet(DEFINITIONS, defined)]
