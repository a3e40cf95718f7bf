"""VQA training data independent of where it comes from: the demo generator or a hospital's VQA-RAD.

The demo has a fixed answer set and template questions re-phrased at random every epoch; a
hospital's data has its own answers, vocabulary and question length, fixed question texts and an
answer type per question. :class:`VQAData` carries all of that, so :func:`ml.train.vqa_job`
trains either, and the bundle writer gets the answers/vocab the model was trained with, and the
question types it was trained for (:class:`~qaid.bundle.QuestionType`: the HIP answers nothing else).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ml.demo_data import (
    ANSWER_TYPES,
    ANSWERS,
    MAX_QUESTION_LEN,
    QUESTIONS,
    VQA_PARTS,
    Split,
    question_vocab,
)  # fmt: skip
from qaid.bundle import QuestionType
from qaid.vqa_questions import key_of
from qaid_contracts.limits import MAX_QUESTION_CHARS
from qaid_contracts.vocabulary import AnswerType

# (image position in VQASplit.images, question, answer, "closed"/"open")
QA = tuple[int, str, str, str]
Sampler = Callable[[list[int], np.random.Generator], list[QA]]
_TOKEN = re.compile(r"[a-z0-9]+")  # the tokenizer of qaid.bundle.tokenize_question


@dataclass
class VQASplit:
    images: list[np.ndarray] = field(default_factory=list)
    qa: list[QA] = field(default_factory=list)
    # Training questions for a batch of image positions; None = the fixed ``qa`` of those images.
    sampler: Sampler | None = None

    def batch_qa(self, positions: list[int], rng: np.random.Generator) -> list[QA]:
        if self.sampler is not None:
            return self.sampler(positions, rng)
        wanted = set(positions)
        return [q for q in self.qa if q[0] in wanted]


@dataclass
class VQAData:
    splits: dict[str, VQASplit]
    answers: list[str]
    answer_types: list[AnswerType]  # per answer, as the manifest wants it
    vocab: list[str]
    max_len: int
    source: str = ""
    question_types: list[QuestionType] = field(default_factory=list)


def demo_vqa(data: dict[str, Split]) -> VQAData:
    """The demo generator's brain/chest images; training re-draws a phrasing per question kind."""
    splits = {}
    for name, split in data.items():
        idx = split.indices(VQA_PARTS)
        pos = {i: k for k, i in enumerate(idx)}

        def typed(qa: list[tuple[int, str, str]], pos: dict[int, int] = pos) -> list[QA]:
            return [(pos[i], q, a, ANSWER_TYPES[ANSWERS.index(a)]) for i, q, a in qa]

        def sampler(
            positions: list[int],
            rng: np.random.Generator,
            split: Split = split,
            idx: list[int] = idx,
            typed=typed,
        ) -> list[QA]:
            return typed(split.qa([idx[p] for p in positions], rng))

        splits[name] = VQASplit([split.images[i] for i in idx], typed(split.qa(idx)), sampler)
    return VQAData(
        splits, list(ANSWERS), list(ANSWER_TYPES), question_vocab(), MAX_QUESTION_LEN, "demo",
        demo_question_types(data["train"]),
    )  # fmt: skip


def demo_question_types(train: Split) -> list[QuestionType]:
    """The demo's question kinds as declared types: every template phrasing (training draws each at
    random), the first one canonical, with the answers the kind has on ``train``'s VQA images."""
    kind_of = {q: kind for kind, phrasings in QUESTIONS.items() for q in phrasings}
    seen: dict[str, Counter[str]] = {kind: Counter() for kind in QUESTIONS}
    for _, question, answer in train.qa(train.indices(VQA_PARTS)):
        seen[kind_of[question]][answer] += 1
    out = []
    for kind, phrasings in QUESTIONS.items():
        answers = [a for a in ANSWERS if seen[kind][a]]
        if answers:  # a kind without training images (no brain or chest images) is not declared
            closed = sum(seen[kind][a] for a in answers if ANSWER_TYPES[ANSWERS.index(a)] == "closed")
            kind_type: AnswerType = "closed" if 2 * closed >= sum(seen[kind].values()) else "open"
            out.append(QuestionType(id=kind, question=phrasings[0], answer_type=kind_type,
                                    answers=answers, phrasings=list(phrasings)))  # fmt: skip
    return out


def question_types_from(qa: list[QA], kind_of: dict[str, str], answers: list[str]) -> list[QuestionType]:
    """Declared types of fixed training questions (a hospital's VQA-RAD): per type id of ``kind_of``
    (question text -> type id), its distinct questions, the answers it had within ``answers`` and
    its majority answer type.

    The canonical question is the most frequent one whose key (:func:`qaid.vqa_questions.key_of`)
    no other type shares, so the HIP answers it as this type; a type without one is not declared.
    """
    questions: dict[str, Counter[str]] = {}
    seen: dict[str, Counter[str]] = {}
    kinds: dict[str, Counter[str]] = {}
    for _, q, a, t in qa:
        kind = kind_of.get(q)
        if kind is not None:
            questions.setdefault(kind, Counter())[q] += 1
            seen.setdefault(kind, Counter())[a] += 1
            kinds.setdefault(kind, Counter())[t] += 1
    keys = {kind: {_key(q) for q in qs} for kind, qs in questions.items()}
    out = []
    for kind in sorted(questions):
        phrasings = [q for q, _ in sorted(questions[kind].items(), key=lambda kv: (-kv[1], kv[0]))]
        shared = set().union(*(k for other, k in keys.items() if other != kind))
        canonical = next(
            (q for q in phrasings if _key(q) and _key(q) not in shared and len(q) <= MAX_QUESTION_CHARS),
            None,
        )
        kept = [a for a in answers if seen[kind][a]]
        if canonical is not None and kept:
            kind_type: AnswerType = "closed" if kinds[kind]["closed"] >= kinds[kind]["open"] else "open"
            rest = [q for q in phrasings if q != canonical]
            out.append(QuestionType(id=kind, question=canonical, answer_type=kind_type, answers=kept,
                                    phrasings=[canonical, *rest]))  # fmt: skip
    return out


def _key(question: str) -> frozenset[str]:
    return key_of(_TOKEN.findall(question.lower()))


def normalise_answer(answer: object) -> str:
    """VQA-RAD answers mix case, trailing dots and numbers stored as ints: compare them as text."""
    return re.sub(r"\s+", " ", str(answer).strip().lower()).rstrip(".").strip()


def build_vocab(questions: list[str], min_count: int = 1) -> list[str]:
    """``<pad>``, ``<unk>`` then the training questions' words (sorted, so runs are reproducible)."""
    counts = Counter(w for q in questions for w in _TOKEN.findall(q.lower()))
    return ["<pad>", "<unk>", *sorted(w for w, c in counts.items() if c >= min_count)]


def build_answers(qa: list[QA], min_count: int = 1) -> tuple[list[str], list[AnswerType]]:
    """Answer set from training QA (most frequent first) and each answer's majority question type.

    The manifest types answers, VQA-RAD types questions: "yes" asked in a CLOSED question is
    closed. An answer seen under both types gets the more frequent one.
    """
    counts = Counter(a for _, _, a, _ in qa)
    answers = [a for a, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if c >= min_count]
    types: list[AnswerType] = []
    for a in answers:
        t = Counter(k for _, _, ans, k in qa if ans == a)
        types.append("closed" if t["closed"] >= t["open"] else "open")
    return answers, types


def question_length(questions: list[str], cap: int = 32) -> int:
    """Token length covering 95 % of the training questions (longer ones are truncated), at most ``cap``."""
    lengths = [len(_TOKEN.findall(q.lower())) for q in questions] or [1]
    return int(min(cap, max(4, np.percentile(lengths, 95))))
