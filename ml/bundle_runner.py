"""Run a written bundle's ONNX files on images with ONNX Runtime, offline, as the HIP serves them.

Preprocessing is ``qaid.imaging.to_input`` and the reading of the cascade is
``qaid.bundle.read_cascade`` / ``domain_check`` — the HIP's own rules — so an evaluation measures
what a patient would get, abstentions included. (``ml`` knows no server: no HTTP here.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

from qaid.bundle import (
    CascadeReading,
    Manifest,
    ModelEntry,
    calibrated,
    domain_check,
    read_cascade,
    read_manifest,
    tokenize_question,
)  # fmt: skip
from qaid.imaging import to_input
from qaid.vqa_questions import QuestionIndex, UnsupportedQuestion

ROLE_OUTPUTS = {"filter": "logits", "labeler": "logits", "modality": "logits", "orientation": "logits"}


def _pil(img: np.ndarray | Image.Image) -> Image.Image:
    return img if isinstance(img, Image.Image) else Image.fromarray(img)


@dataclass
class BundleRunner:
    directory: Path
    manifest: Manifest
    sessions: dict[str, ort.InferenceSession]
    questions: dict[str, QuestionIndex] = field(default_factory=dict)  # VQA entry name -> its rule

    @classmethod
    def open(cls, directory: Path) -> BundleRunner:
        manifest = read_manifest(directory)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads, opts.log_severity_level = 1, 3
        sessions = {
            f: ort.InferenceSession(str(directory / f), opts, providers=["CPUExecutionProvider"])
            for f in {m.file for m in manifest.models}
        }
        return cls(directory, manifest, sessions)

    def entry(self, task: str) -> ModelEntry | None:
        return next((m for m in self.manifest.models if m.task == task), None)

    def for_topic(self, task: str, topic: str | None) -> ModelEntry | None:
        return next((m for m in self.manifest.models if m.task == task and topic in m.topics), None)

    def _run(self, entry: ModelEntry, feed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        sess = self.sessions[entry.file]
        return dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feed), strict=True))

    def cascade(self, images: list[np.ndarray], batch: int = 32) -> list[CascadeReading]:
        filt = self.entry("filter")
        assert filt is not None
        entries = {t: e for t in ("filter", "labeler", "modality", "orientation") if (e := self.entry(t))}
        readings = []
        for i in range(0, len(images), batch):
            x = np.stack([to_input(_pil(a), filt.input) for a in images[i : i + batch]])
            out = self._run(filt, {filt.inputs["image"]: x})
            for k in range(len(x)):
                rows = {t: out[e.outputs["logits"]][k] for t, e in entries.items()}
                lab = entries["labeler"]
                if "ood" in lab.outputs:
                    rows["ood"] = out[lab.outputs["ood"]][k]
                readings.append(read_cascade(rows, entries))
        return readings

    def segment(self, image: np.ndarray, entry: ModelEntry) -> np.ndarray:
        """Probability map [S, S] at model size."""
        x = to_input(_pil(image), entry.input)[None]
        return self._run(entry, {entry.inputs["image"]: x})[entry.outputs["mask"]][0, 0]

    def vqa(self, image: np.ndarray, question: str, entry: ModelEntry) -> tuple[str | None, float]:
        """(answer, its probability); (None, 0.0) where the HIP abstains on the question
        (:mod:`qaid.vqa_questions`: not one the model was trained for)."""
        index = self.questions.get(entry.name)
        if index is None:
            index = self.questions[entry.name] = QuestionIndex(entry)
        try:
            matched = index.match(question)
        except UnsupportedQuestion:
            return None, 0.0
        x = to_input(_pil(image), entry.input)[None]
        q = np.asarray([tokenize_question(matched.asked, entry.question_vocab, entry.max_question_len)])
        probs = calibrated(self._run(entry, {entry.inputs["image"]: x, entry.inputs["question"]: q})[
            entry.outputs["logits"]][0], entry.calibration)  # fmt: skip
        k = max(matched.allowed, key=lambda i: probs[i])
        return entry.answers[k], float(probs[k])

    def topic(self, reading: CascadeReading) -> str | None:
        part = reading.body_part
        return self.manifest.label_topics.get(part.name) if part and part.name else None

    def gate(self, reading: CascadeReading, entry: ModelEntry) -> str | None:
        """None if ``entry`` may run on the image (the HIP's rule), else why not."""
        if reading.medical != "yes" or reading.body_part is None or reading.body_part.name is None:
            return "the cascade abstained or found no medical image"
        return domain_check(reading, entry.trained_on)
