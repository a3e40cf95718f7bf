"""NLU safety net: red flags and channel metadata decide the intent, whatever DIET thinks.

Runs last in the pipeline (after the FallbackClassifier) so that
- a red flag from the clinical list (``red_flag_rules``: chest pain, stroke signs, breathing
  difficulty, heavy bleeding, suicidal thoughts, anaphylaxis, seizure, overdose, unconsciousness...)
  becomes the ``emergency`` intent in any dialogue state, inside the appointment form (whose from_text
  mappings exclude ``emergency``, so a rule answers it first) and in a long message, unless the learnt
  second opinion (``emergency_classifier``, which runs just before) is nearly sure it is none; and
  what that classifier is confident of is an emergency even with no rule's words;
- a red-flag *word* with no emergency now (history, negation, a definition or image question, a
  hypothetical, an idiom: "I had a stroke in 2019", "is there a stroke on my scan?") is none, even
  when DIET, which only sees words, says so, unless the learnt second opinion is confident (P >= 0.7);
- a message carrying an image (metadata ``image``) is ``share_image``, one carrying coordinates
  (metadata ``location``) is ``share_location``, even with a free-text caption.

The decision is made per clause, and the past is read only around the flag, so "I had a stroke in
2019, but now my face is drooping" and "chest pain for half an hour, he had a stent 2 years ago"
are emergencies and "my chest X-ray" is not (guards: ``red_flag_guards``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from .emergency_classifier import PROBABILITY, is_emergency, rules_out
from .image_question_intent import asks_about_the_image, asks_whether_it_is_there, poses_a_question
from .question_types import understand
from .red_flag_care import FIRST_AID
from .red_flag_guards import CARE_GIVEN, SERVICE, TOPIC, defused, people
from .red_flag_romanian import looks_romanian
from .red_flag_rules import COMPILED
from .romanian_words import fold, has_romanian

EMERGENCY = "emergency"

# ---- normalisation -------------------------------------------------------------------------------
_CONTRACTIONS = {
    "cant": "can't", "cannt": "can't", "wont": "won't", "dont": "don't", "doesnt": "doesn't",
    "isnt": "isn't", "didnt": "didn't", "couldnt": "couldn't", "im": "i'm", "ive": "i've",
    "hes": "he's", "shes": "she's", "its": "it's", "alot": "a lot", "u": "you", "r": "are",
    "pls": "please", "wasnt": "wasn't", "hasnt": "hasn't",
}  # fmt: skip
# Words a red flag hangs on: a one-letter slip ("pian", "strok", "breth", "seizue") is corrected to
# them; longer words may be two letters off ("unconcious").
_KEY_WORDS = (
    "pain", "chest", "stroke", "breathe", "breathing", "breath", "bleeding", "blood", "seizure",
    "seizures", "unconscious", "unresponsive", "suicide", "suicidal", "overdose", "overdosed",
    "choking", "collapsed", "swelling", "swollen", "throat", "tongue", "drooping", "slurred",
    "headache", "ambulance", "emergency", "heavily", "crushing", "numb", "tablets", "pills",
    "allergic", "closing", "stiff",
)  # fmt: skip
_NOT_TYPOS = {"paint", "stoke", "strike", "stroked", "breadth", "brat", "throats", "chess", "bleeping",
              "tablet", "pill", "blond", "bread", "seize", "seized", "collapse", "pails", "paid",
              "cooking", "drooling", "plin"}  # fmt: skip


def _close(a: str, b: str, limit: int) -> bool:
    """Damerau-Levenshtein distance of ``a`` and ``b`` is at most ``limit`` (small words only)."""
    if abs(len(a) - len(b)) > limit:
        return False
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1] <= limit


def _fix(word: str) -> str:
    if word in _CONTRACTIONS:
        return _CONTRACTIONS[word]
    if len(word) < 4 or word in _KEY_WORDS or word in _NOT_TYPOS or not word.isalpha():
        return word
    limit = 2 if len(word) >= 9 else 1
    for k in _KEY_WORDS:
        if k[0] == word[0] and _close(word, k, limit):
            return k
    return word


def normalise(text: str) -> str:
    # Romanian letters folded: families type with and without them ("respiră", "respira")
    text = fold((text or "").lower().replace("\u2019", "'").replace("\u2018", "'"))
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"[a-z]+(?:'[a-z]+)?", lambda m: _fix(m.group(0)), text)


# ---- clauses and what defuses a flag in them --------------------------------------------------------
_CLAUSE_BREAK = re.compile(
    r"(?:(?<!\d)\.|\.(?!\d)|[!?;\n])+|\s[-\u2013\u2014]+\s|,?\s+but\s+|,?\s+however\s+|,?\s+though\s+|"
    r",?\s+wait\s+|,?\s+anyway\s+|,?\s+dar\s+|,?\s+insa\s+"
)


@dataclass(frozen=True)
class Assessment:
    """``emergency``: a red flag fires now; ``mentioned``: a red-flag word was there but defused."""

    emergency: bool
    mentioned: bool
    category: str | None = None
    clause: str | None = None
    reason: str | None = None
    language: str = "en"  # of the rule that fired (``Category.language``)


def clauses(text: str) -> list[str]:
    return [c.strip(" ,") for c in _CLAUSE_BREAK.split(normalise(text)) if c and c.strip(" ,")]


def assess(text: str) -> Assessment:
    """Is there a red flag in ``text`` now? Decided clause by clause (see module docstring)."""
    first_defused: Assessment | None = None
    parts = clauses(text)
    cares = _care_given(parts)
    for index, clause in enumerate(parts):
        for category, strong, soft in COMPILED:
            for pattern, is_soft in ((strong, False), (soft, True)):
                if pattern is None:
                    continue
                for m in pattern.finditer(clause):
                    cared_for = _covered(cares, parts, index, m.span())
                    why = defused(clause, m.span(), category.name, is_soft, cared_for)
                    if why is None:
                        return Assessment(True, True, category.name, clause, language=category.language)
                    if first_defused is None:
                        first_defused = Assessment(
                            False, True, category.name, clause, why, language=category.language
                        )
    return first_defused or _topic_mention(text) or Assessment(False, False)


@dataclass(frozen=True)
class _Care:
    """Care given or under way (``CARE_GIVEN``): in which clause, and where, and whom it is for: the
    people named in its stretch between commas ("the paramedics are with him now, I'm waiting outside"
    names no one: "him" points back)."""

    clause: int
    start: int
    end: int
    people: frozenset[str]


def _care_given(parts: list[str]) -> list[_Care]:
    found = []
    for i, clause in enumerate(parts):
        for m in CARE_GIVEN.finditer(clause):
            left = clause.rfind(",", 0, m.start()) + 1
            right = clause.find(",", m.end())
            stretch = clause[left : right if right >= 0 else len(clause)]
            who = frozenset() if FIRST_AID.search(m.group(0)) else people(stretch, cared=True)
            found.append(_Care(i, m.start(), m.end(), who))
    return found


_CARE_FOR = re.compile(r"\s*(?:with|for|because of|after)\s+(?:(?:his|her|their|my|a|an|the)\s+)?")


def _covered(cares: list[_Care], parts: list[str], index: int, span: tuple[int, int]) -> bool:
    """Care covers a flag told before it ("my son collapsed at football, but the ambulance crew are
    with him"), not one told after it, and not a flag about someone else ("my mum has crushing chest
    pain, the ambulance took my dad earlier"): when both name people, one must be the same. A pronoun
    names no one, so it is taken to point back at the flagged person."""
    flagged = people(parts[index][: span[1]])
    return any(
        (
            care.clause > index
            or (care.clause == index and care.end > span[0])
            # the flag is what the care is for: "already at the hospital with chest pain"
            or (care.clause == index and bool(_CARE_FOR.fullmatch(parts[index][care.end : span[0]])))
        )
        and (not care.people or not flagged or bool(care.people & flagged))
        for care in cares
    )


def _topic_mention(text: str) -> Assessment | None:
    """A red-flag topic word with no flag, in a clause a guard defuses or that names a service
    ("what counts as an emergency?", "my battery is dying", "the emergency department"): a mention,
    so that a classifier's "emergency" on it falls to its runner-up (``decide``)."""
    for clause in clauses(text):
        for m in TOPIC.finditer(clause):
            why = "a service" if SERVICE.search(clause) else defused(clause, m.span(), "topic", False)
            if why is not None:
                return Assessment(False, True, None, clause, why)
    return None


def is_red_flag(text: str) -> bool:
    return assess(text).emergency


# ---- the Rasa component ------------------------------------------------------------------------------
@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class QaidIntentOverrides(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> QaidIntentOverrides:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = decide(
                message.get(TEXT) or "",
                message.get("metadata") or {},
                message.get(INTENT) or {},
                message.get(INTENT_RANKING_KEY) or [],
                message.get(PROBABILITY),
            )
            if intent:
                _force(message, intent)
        return messages


# What a long message's context may be classified as when its question asks about the image.
_CONTEXT_INTENTS = frozenset({"describe_symptoms", "express_worry"})
# intents a Romanian image question is never taken from: the emergency, a mark asked for, the question
_KEPT = frozenset({EMERGENCY, "ask_image_question", "request_segmentation"})


def decide(
    text: str,
    metadata: dict[str, Any],
    intent: dict[str, Any],
    ranking: list[dict[str, Any]],
    emergency_probability: float | None = None,
) -> str | None:
    """The intent to force, or None to keep the classifier's. ``emergency_probability`` is the
    learnt second opinion's (``emergency_classifier``), None where the model has none."""
    found = assess(text)
    romanian = found.language == "ro" or looks_romanian(normalise(text))
    if is_emergency(found.emergency, emergency_probability, len(text.split()), romanian):
        return EMERGENCY
    if isinstance(metadata, dict) and isinstance(metadata.get("image"), dict):
        return "share_image"
    if isinstance(metadata, dict) and isinstance(metadata.get("location"), dict):
        return "share_location"
    predicted = str(intent.get(INTENT_NAME_KEY) or "")
    if predicted.startswith("EXTERNAL_"):
        # reminder intents arrive without NLU; a typed message must never trigger one
        return "nlu_fallback"
    if predicted == "nlu_fallback" and understand(text).types and poses_a_question(text):
        # a long message the classifier is unsure of, whose question sentence asks about the image
        # ("<several sentences of context>. Is there a lesion?"): the context does not change the request
        return "ask_image_question"
    if predicted == "ask_definition" and asks_whether_it_is_there(text):
        # "is there a nodule?" asks the models whether there is one, not the glossary what one is
        return "ask_image_question"
    if predicted in _CONTEXT_INTENTS and asks_about_the_image(text):
        # the same when symptoms or worry told first outweigh the question in the classifier ("my hand
        # goes numb ... I can't sleep. Is there a lesion on it?"); the worry is still acknowledged
        return "ask_image_question"
    if predicted not in _KEPT and has_romanian(text) and understand(text).types and poses_a_question(text):
        # DIET never learnt Romanian ("se vede vreo leziune pe RMN?" read as sharing an image): a
        # question the rules read as an image question through its Romanian words is one
        return "ask_image_question"
    if predicted == EMERGENCY and (found.mentioned or rules_out(emergency_probability)):
        # DIET saw a red-flag word the rules defused ("I had a stroke in 2019"), or words the learnt
        # second opinion is fairly sure are no emergency now ("this form is killing me"): its runner-up
        return _runner_up(ranking)
    return None


def _runner_up(ranking: list[dict[str, Any]]) -> str:
    for r in ranking:
        name = str(r.get(INTENT_NAME_KEY) or "")
        if name and name not in (EMERGENCY, "nlu_fallback") and not name.startswith("EXTERNAL_"):
            return name
    return "nlu_fallback"


def _force(message: Message, name: str) -> None:
    forced = {INTENT_NAME_KEY: name, "confidence": 1.0}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != name]
    message.set(INTENT, forced, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [forced, *ranking], add_to_output=True)
