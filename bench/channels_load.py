"""socket.io beside REST on one Rasa server, text turns only, N patients at once (issue 18).

bench/load.py drives the whole network (uploads, HIP analyses) and needs every part of it; this drives
only a Rasa server and its action server, with load.py's text turns ("hi", a definition, "what can you
do?", "thanks", "bye") and its clients and pacing: half the patients over REST, half over socket.io
(a connection and session per conversation, like a fresh browser tab; connecting is timed apart and
not in the text figure), about --think s between a reply and the next turn. Text-turn latency is the
whole reply for REST and the first message for socket.io (bench/README.md). --users 1 or 2 shows the
per-turn overhead of each channel without queueing; 50 shows what load adds.

    .venv-bot/bin/python bench/channels_load.py --rasa-url http://127.0.0.1:5005 \\
        --socket-url http://127.0.0.1:5006 [--users 50 --duration 120 --warmup 20 --json FILE]

The REST token comes from QAID_REST_TOKEN, else var/secrets.env (bench/chat_clients.py). For a server
that serves socket.io on its own port (main before issue 18, or a stock one) give --socket-url equal
to --rasa-url. Target: socket.io text p95 <= 1.3 x REST p95, 0 errors, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
from bot_latency import percentile, wait_ready
from chat_clients import Rest, Socket, Timeout, TurnError, operator_secret, socket_config

from qaid_contracts import env

TURNS = ["hi", "what does hemiparesis mean?", "what can you do?", "thanks", "bye"]  # load.py's text turns


class Run:
    def __init__(self, args: argparse.Namespace, http: aiohttp.ClientSession) -> None:
        self.args, self.http = args, http
        self.token, self.cfg = operator_secret(env.REST_TOKEN), socket_config()
        self.latency: dict[tuple[str, str], list[float]] = {}  # (channel, turn kind) -> seconds
        self.errors: Counter[str] = Counter()
        self.examples: dict[str, str] = {}
        self.recording, self.stop = False, False

    async def timed(self, channel: str, kind: str, call: Any) -> Any:
        try:
            seconds, reply = await call
        except Timeout:
            raise TurnError(f"{kind}_timeout") from None
        if isinstance(reply, str) and not reply.strip():
            raise TurnError(f"{kind}_empty_reply")
        if self.recording:
            self.latency.setdefault((channel, kind), []).append(seconds)
        return reply

    async def conversation(self, channel: str) -> None:
        a = self.args
        ch: Rest | Socket = Rest(self.http, a.rasa_url, a.timeout, self.token, f"chl-{uuid.uuid4().hex[:12]}")
        if channel == "socketio":
            ch = await self.timed(
                channel, "connect", Socket(a.socket_url, self.cfg, a.timeout, a.quiet).open()
            )
        try:
            for text in TURNS:
                if self.stop:
                    return
                await self.timed(channel, "text", ch.say(text))
                await asyncio.sleep(a.think * random.uniform(0.5, 1.5))
        finally:
            await ch.close()

    async def user(self, i: int) -> None:
        channel = "rest" if i % 2 == 0 else "socketio"
        await asyncio.sleep(random.uniform(0, min(self.args.warmup, 5)))  # no thundering herd
        while not self.stop:
            try:
                await self.conversation(channel)
            except Exception as e:  # a TurnError or a connection failure: counted, never silent
                kind = e.kind if isinstance(e, TurnError) else type(e).__name__
                self.errors[f"{channel}:{kind}"] += 1
                self.examples.setdefault(f"{channel}:{kind}", str(getattr(e, "sample", "") or e)[:200])
                await asyncio.sleep(self.args.think)


def summary(run: Run, meta: dict[str, Any]) -> dict[str, Any]:
    rows = []
    for (channel, kind), values in sorted(run.latency.items()):
        pct = {f"p{q}_ms": round(percentile(values, q) * 1000, 1) for q in (50, 95, 99)}
        rows.append({"channel": channel, "turn": kind, "count": len(values), **pct})
    text = {r["channel"]: r for r in rows if r["turn"] == "text"}
    out = {**meta, "latency": rows, "errors": dict(run.errors), "error_examples": run.examples}
    if {"rest", "socketio"} <= set(text):
        ratio = round(text["socketio"]["p95_ms"] / text["rest"]["p95_ms"], 2)
        out["p50_ratio"] = round(text["socketio"]["p50_ms"] / text["rest"]["p50_ms"], 2)
        out["p95_ratio"] = ratio
        out["target"] = "met" if ratio <= 1.3 and not run.errors else "missed"
    return out


def show(r: dict[str, Any]) -> None:
    load = f"load average {r['loadavg_start']} -> {r['loadavg_end']}"
    print(f"\n{r['users']} patients, half REST, half socket.io; {r['duration_s']:g} s measured after")
    print(f"{r['warmup_s']:g} s; wall {r['wall_s']} s; {load}")
    print(f"rasa {r['rasa_url']}  socket.io {r['socket_url']}")
    cols = [
        ("channel", "<9"),
        ("turn", "<8"),
        ("count", ">6"),
        ("p50_ms", ">8"),
        ("p95_ms", ">8"),
        ("p99_ms", ">8"),
    ]
    print(" ".join(f"{name:{fmt}}" for name, fmt in cols))
    for x in r["latency"]:
        print(" ".join(f"{x[name]:{fmt}}" for name, fmt in cols))
    print(f"errors: {sum(r['errors'].values())} {r['errors']} {r['error_examples'] or ''}")
    if "p95_ratio" in r:
        ratios = f"p50 {r['p50_ratio']}x, p95 {r['p95_ratio']}x"
        print(f"text socket.io / REST: {ratios} (target <= 1.3x, 0 errors: {r['target']})")


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rasa-url", default="http://127.0.0.1:5005")
    ap.add_argument("--socket-url", default="http://127.0.0.1:5006")
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--duration", type=float, default=120, help="measured seconds")
    ap.add_argument("--warmup", type=float, default=20, help="seconds before measuring")
    ap.add_argument("--think", type=float, default=1.0, help="mean pause between a reply and the next turn")
    ap.add_argument("--quiet", type=float, default=0.3, help="socket.io: a turn ends after this gap")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per turn before it is an error")
    ap.add_argument("--json", type=Path, help="write every figure here")
    args = ap.parse_args()
    await wait_ready(args.rasa_url, 60)
    start, load_start = time.monotonic(), [round(x, 2) for x in os.getloadavg()]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=2 * args.users)) as http:
        run = Run(args, http)
        users = [asyncio.create_task(run.user(i)) for i in range(args.users)]
        await asyncio.sleep(args.warmup)
        run.recording = True
        await asyncio.sleep(args.duration)
        run.recording, run.stop = False, True
        await asyncio.gather(*users)
    meta = {k: getattr(args, k) for k in ("users", "rasa_url", "socket_url", "think")}
    meta |= {"duration_s": args.duration, "warmup_s": args.warmup, "wall_s": round(time.monotonic() - start)}
    meta |= {"loadavg_start": load_start, "loadavg_end": [round(x, 2) for x in os.getloadavg()]}
    result = summary(run, meta)
    show(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
    return 1 if run.errors else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
