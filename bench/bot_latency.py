"""Text-turn latency of the Q&Aid Rasa assistant beside a plain `rasa init` bot, in the same run.

N simulated users (8 by default) talk at once over Rasa's REST channel; each user sends its turns one
after another (a person waits for the answer), and every turn's round trip is timed. The same load is
put on a plain `rasa init` bot (created in a temporary folder, trained, and run on another port by
this script unless --baseline-url is given), alternating rounds between the two so that a machine
busy with other work slows both alike. Prints p50/p95 for each and the Q&Aid / baseline ratio.

Run with the bot venv (it has aiohttp and the rasa CLI), against a running Q&Aid server (the one of
`make run`, or one of its own):

    export QAID_ACTIONS_TOKEN=bench-token   # endpoints.yml sends it; the action server requires it
    export QAID_CONVERSATION_KEY=$(openssl rand -hex 32)  # the socket.io channel refuses to start without
    export QAID_REST_TOKEN=$(openssl rand -hex 32)        # the REST channel requires it; this script sends it
    cd bot && QAID_TRACKER_DB=/tmp/bench-tracker.sqlite3 QAID_ACTIONS_URL=http://127.0.0.1:15955/webhook \\
        ../.venv-bot/bin/rasa run --model models --port 15905 --endpoints endpoints.yml \\
        --credentials credentials.yml &
    cd bot && ../.venv-bot/bin/python -m qaid_bot.action_server --port 15955 &
    .venv-bot/bin/python bench/bot_latency.py --qaid-url http://127.0.0.1:15905

The REST token comes from QAID_REST_TOKEN, else from var/secrets.env (what `make run` uses); it goes to
the Q&Aid server only, unless --baseline-token.

Options: --users, --turns (per user and round), --rounds, --baseline-dir (reuse a trained `rasa init`
project), --baseline-url (reuse a running baseline server), --json (machine-readable result).
--same-turns sends the baseline Q&Aid's own turns and --baseline-name names it: with --baseline-url
pointing at a second Q&Aid server (another model, or another checkout's code), this compares two
versions of the assistant side by side in one run (issue 15: the new NLU beside today's); give that
server the same QAID_REST_TOKEN and pass --baseline-token.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import aiohttp
from chat_clients import REPO, Rest, TurnError, operator_secret

from qaid_contracts import env

RASA = REPO / ".venv-bot" / "bin" / "rasa"
# Text-only turns (no image, no hospital): rules with fixed responses and the offline glossary action.
QAID_TURNS = [
    "hello",
    "what is an MRI?",
    "what can you do?",
    "what does hemiparesis mean?",
    "are you a bot?",
    "thanks",
    # realistic patient messages (issue 15): context, worry, a term inside a sentence
    "I have MS and my neurologist keeps talking about demyelination at every visit, what is that?",
    "Honestly I'm really scared, I haven't slept properly since the scan and nobody has called me yet.",
]
BASELINE_TURNS = ["hello", "I am feeling great", "are you a bot?", "I am sad", "yes", "bye"]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


async def wait_ready(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(f"{url}/", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (aiohttp.ClientError, asyncio.TimeoutError):  # noqa: UP041 - runs on Python 3.10
                pass
            await asyncio.sleep(1)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


async def one_user(client: Rest, turns: list[str], out: list[float]) -> None:
    for text in turns:
        try:
            seconds, reply = await client.say(text)
        except TurnError as e:
            raise RuntimeError(f"{client.url}: {text!r} -> {e.kind} {e.sample}") from None
        if not reply:
            raise RuntimeError(f"{client.url}: {text!r} -> an empty reply")
        out.append(seconds)


async def load(url: str, turns: list[str], users: int, token: str) -> list[float]:
    """``users`` senders at once, each sending ``turns`` in turn; ``token``: the REST token ("" none)."""
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=users)
    async with aiohttp.ClientSession(connector=connector) as session:
        clients = [Rest(session, url, 60, token, f"bench-{uuid.uuid4().hex[:10]}") for _ in range(users)]
        await asyncio.gather(*(one_user(client, turns, latencies) for client in clients))
    return latencies


def stop_baseline(proc: subprocess.Popen | None, created: Path | None) -> None:
    """Stop the baseline server and delete the project this script created for it."""
    if proc is not None:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    if created is not None:
        shutil.rmtree(created, ignore_errors=True)


def start_baseline(
    workdir: Path | None, port: int, run_args: Sequence[str] = ()
) -> tuple[subprocess.Popen, Path | None]:
    """Create (unless given) and train a `rasa init` project, and serve it on ``port``.

    ``run_args`` go to `rasa run` (bench/load.py passes ``--credentials`` to add socket.io)."""
    created = None
    if workdir is None:
        created = Path(tempfile.mkdtemp(prefix="qaid-bench-init-"))
        workdir = created / "bot"
        workdir.mkdir()
        print(f"baseline: rasa init in {workdir} (trains a model, ~1-3 min)…", flush=True)
        subprocess.run(
            [str(RASA), "init", "--no-prompt", "--init-dir", str(workdir)],
            cwd=workdir,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    proc = subprocess.Popen(
        [str(RASA), "run", "--model", "models", "--port", str(port), *run_args],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return proc, created


def summary(name: str, values: list[float]) -> dict[str, float]:
    return {
        "bot": name,
        "turns": len(values),
        "p50_ms": round(percentile(values, 50) * 1000, 1),
        "p95_ms": round(percentile(values, 95) * 1000, 1),
        "mean_ms": round(sum(values) / len(values) * 1000, 1),
    }


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--qaid-url", default="http://127.0.0.1:15905")
    ap.add_argument("--baseline-url", help="a running `rasa init` bot (else one is created and started)")
    ap.add_argument("--baseline-dir", type=Path, help="a trained `rasa init` project to serve")
    ap.add_argument("--baseline-port", type=int, default=15906)
    ap.add_argument("--users", type=int, default=8)
    ap.add_argument("--turns", type=int, default=8, help="turns per user and round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--same-turns", action="store_true", help="send the baseline Q&Aid's turns too")
    ap.add_argument("--baseline-name", default="rasa-init")
    ap.add_argument("--baseline-token", action="store_true", help="send the REST token to the baseline too")
    args = ap.parse_args()
    token = operator_secret(env.REST_TOKEN)
    base_token = token if args.baseline_token else ""

    proc, created = None, None
    baseline = args.baseline_url
    try:
        if baseline is None:
            proc, created = start_baseline(args.baseline_dir, args.baseline_port)
            baseline = f"http://127.0.0.1:{args.baseline_port}"
        await wait_ready(args.qaid_url, 60)
        await wait_ready(baseline, 300)
        qaid_turns = (QAID_TURNS * args.turns)[: args.turns]
        base_turns = ((QAID_TURNS if args.same_turns else BASELINE_TURNS) * args.turns)[: args.turns]
        # warm-up: the first turns load lazy parts (TensorFlow graphs, the glossary)
        await load(args.qaid_url, qaid_turns, 2, token)
        await load(baseline, base_turns, 2, base_token)
        qaid: list[float] = []
        base: list[float] = []
        for _ in range(args.rounds):  # alternate, so background load hits both alike
            qaid += await load(args.qaid_url, qaid_turns, args.users, token)
            base += await load(baseline, base_turns, args.users, base_token)
    finally:
        stop_baseline(proc, created)

    rows = [summary("qaid", qaid), summary(args.baseline_name, base)]
    ratio = {
        "p50_ratio": round(rows[0]["p50_ms"] / rows[1]["p50_ms"], 2),
        "p95_ratio": round(rows[0]["p95_ms"] / rows[1]["p95_ms"], 2),
    }
    if args.json:
        print(json.dumps({"users": args.users, "results": rows, **ratio}))
        return 0
    print(f"{args.users} concurrent users, {args.rounds} rounds x {args.turns} text turns each, REST")
    print(f"{'bot':<10} {'turns':>6} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}")
    for r in rows:
        print(f"{r['bot']:<10} {r['turns']:>6} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['mean_ms']:>8}")
    print(f"Q&Aid / {args.baseline_name}: p50 x{ratio['p50_ratio']}, p95 x{ratio['p95_ratio']}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
