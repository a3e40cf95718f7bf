"""Which questions a VQA model may answer: the HIP's rule, shared with ``ml.bundle_runner`` so that
evaluation measures what is served.

A VQA model picks one of its fixed answers for *any* sequence of words, and its unknown-word token
was never trained: asked "is there a fracture?" it answers "yes" or "no" all the same. So the HIP
answers a question only when it is one the model was trained for, and otherwise abstains
(:class:`UnsupportedQuestion`, served as 422 ``unsupported_question``):

1. Words are the serving tokenizer's (:func:`qaid.bundle.tokenize_question`). A word outside the
   model's vocabulary is tolerated only when it cannot change what is asked: a function word
   (:data:`FUNCTION_WORDS`: articles, pronouns, auxiliaries, "please") or a word for the image
   itself (:data:`IMAGE_WORDS`). Any other unknown word ("fracture", "bleeding", "tumour", "not",
   "2") means the question is about something the model never learned: abstain, naming the word.
2. The question's *key* is its remaining words without function and image words, plurals folded
   ("lesions" = "lesion") and "which" read as "what". It must equal the key of a training phrasing
   of exactly one declared question type (``ModelEntry.question_types``); word sets, not
   similarity scores, so that "is the brain abnormal?" (a word more than any phrasing) or "how
   big is the lesion?" never borrow a nearby type's answer.
3. The model is then fed that training phrasing (the words it was trained on, no unknown token) and
   may answer only with the answers that type had in training ("yes"/"no" for a lesion question,
   never "brain").

A bundle written before question types were declared gets step 1 only (and is fed its known words).
Negations ("no", "not", "isn't") are never function words, so "is there no lesion?" abstains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qaid.bundle import ModelEntry, QuestionType

__all__ = ["FUNCTION_WORDS", "IMAGE_WORDS", "Matched", "QuestionIndex", "UnsupportedQuestion", "key_of"]

_TOKEN = re.compile(r"[a-z0-9]+")  # the tokenizer of qaid.bundle.tokenize_question

# Words that do not change what a question about the image asks (the contraction pieces "s", "m",
# "re", "ve", "ll" and "d" included); negations are deliberately absent.
FUNCTION_WORDS = frozenset(
    """a an the this that these those there here it its any some
    in on of at to for from with within inside into onto by
    is are was were be been being am do does did can could would will should may might shall
    i me my mine we us our you your please kindly tell show shows shown showing see seen visible
    present look looks appear appears if whether just also actually really currently now
    have has had get got s m re ve ll d""".split()
)  # fmt: skip
# Words for the image itself: "in the picture" adds nothing to "is there a lesion?".
IMAGE_WORDS = frozenset("image images scan scans picture pictures photo photos film".split())
_TOLERATED = FUNCTION_WORDS | IMAGE_WORDS
_SAME = {"which": "what"}
_MAX_NAMED = 3  # unknown words named in an abstention
_MAX_WORD = 30


class UnsupportedQuestion(ValueError):
    """The model was not trained to answer this question; ``reason`` says why in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Matched:
    asked: str  # what the model is fed: a training phrasing (or the known words, without types)
    type_id: str | None  # None for a bundle that declares no question types
    allowed: tuple[int, ...]  # indices into ModelEntry.answers the answer may take


def _fold(word: str) -> str:
    word = _SAME.get(word, word)
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def key_of(words: list[str]) -> frozenset[str]:
    """The words that decide what is asked (see the module docstring, step 2)."""
    return frozenset(_fold(w) for w in words if w not in FUNCTION_WORDS and w not in IMAGE_WORDS)


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


class QuestionIndex:
    """One VQA entry's rule, built once per loaded model: key -> (type, the phrasing to feed)."""

    def __init__(self, entry: ModelEntry) -> None:
        self.entry = entry
        self.vocab = frozenset(entry.question_vocab[2:])  # without <pad> and <unk>
        # a declared type feeds its own phrasing, so "lesions" counts as known when "lesion" is
        self.folded = frozenset(_fold(w) for w in self.vocab) if entry.question_types else frozenset()
        self.types = {t.id: t for t in entry.question_types}
        self._by_key: dict[frozenset[str], list[tuple[QuestionType, str]]] = {}
        for t in entry.question_types:
            for phrasing in t.phrasings:
                k = key_of(_words(phrasing))
                if k and all(t.id != other.id for other, _ in self._by_key.get(k, [])):
                    self._by_key.setdefault(k, []).append((t, phrasing))

    def match(self, question: str) -> Matched:
        """The phrasing and answers to use for ``question``, or :class:`UnsupportedQuestion`."""
        words = _words(question)
        unknown = [
            w for w in words if w not in _TOLERATED and w not in self.vocab and _fold(w) not in self.folded
        ]
        if unknown:
            named = ", ".join(f'"{w[:_MAX_WORD]}"' for w in list(dict.fromkeys(unknown))[:_MAX_NAMED])
            raise UnsupportedQuestion(f"it was not trained on questions with the words {named}")
        if not self.types:  # a bundle from before question types were declared
            known = [w for w in words if w in self.vocab]
            if not known:
                raise UnsupportedQuestion("the question has no word the model was trained on")
            if len(known) > self.entry.max_question_len:
                raise UnsupportedQuestion("the question is longer than the ones it was trained on")
            return Matched(" ".join(known), None, tuple(range(len(self.entry.answers))))
        found = self._by_key.get(key_of(words), [])
        if len(found) != 1:
            why = "it matches more than one" if found else "it does not match any"
            raise UnsupportedQuestion(f"{why} of the questions it was trained for")
        qtype, phrasing = found[0]
        allowed = tuple(i for i, a in enumerate(self.entry.answers) if a in qtype.answers)
        return Matched(phrasing, qtype.id, allowed)

    def offer(self, limit: int = 9) -> str:
        """The canonical questions, for a message: '"is there a lesion?"; "how many lesions?"' ("" without
        declared types)."""
        listed = [t.question for t in self.entry.question_types]
        more = f" and {len(listed) - limit} more" if len(listed) > limit else ""
        return "; ".join(f'"{q}"' for q in listed[:limit]) + more

    def unanswerable_canonicals(self) -> list[str]:
        """Canonical questions this rule would not answer as their own type (a broken bundle)."""
        bad = []
        for t in self.entry.question_types:
            try:
                ok = self.match(t.question).type_id == t.id
            except UnsupportedQuestion:
                ok = False
            if not ok:
                bad.append(f"{t.id}: {t.question!r}")
        return bad
