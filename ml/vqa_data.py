"""VQA training data independent of where it comes from: the demo generator or a hospital's VQA-RAD.

The demo has a fixed answer set and template questions re-phrased at random every epoch; a
hospital's data has its own answers, vocabulary and question length, fixed question texts and an
answer type per question. :class:`VQAData` carries all of that, so :func:`ml.train.vqa_job`
trains either, and the bundle writer gets the answers/vocab the model was trained with.
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
    VQA_PARTS,
    Split,
    question_vocab,
)  # fmt: skip
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
    return VQAData(splits, list(ANSWERS), list(ANSWER_TYPES), question_vocab(), MAX_QUESTION_LEN, "demo")


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
