"""Load test of the whole running demo network: N patients in real conversations, with images.

Unit tests and bench/bot_latency.py time one part each; this drives every process of `make run` at
once as patients do (REST and socket.io, uploads to the hub, analyses and VQA at the HIPs), to see
p50/p95/p99 per turn type, whether anything fails under load (target: 0 errors) and whether any
process grows while it runs (target: flat). Text-turn latency is compared with a plain `rasa init`
bot in the same run, phases alternating so background load hits both alike. See bench/README.md.

    .venv-bot/bin/python bench/load.py [--users 50 --duration 180 --warmup 20 --socket-url URL --json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import struct
import sys
import tempfile
import time
import uuid
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import socketio
import yaml
from bot_latency import BASELINE_TURNS, percentile, start_baseline, stop_baseline, wait_ready
from chat_clients import REPO, Rest, Socket, Timeout, TurnError, operator_secret, socket_config
from network_memory import Memory

from qaid_contracts import binding, env

QUESTIONS = {"brain": "is there a lesion?", "chest": "is there a nodule?"}  # by sample name prefix
QAID_SCRIPT = [("text", "hi"), ("image", "/share_image"), ("vqa", "")]  # "": the sample's question
QAID_SCRIPT += [("text", t) for t in ("what does hemiparesis mean?", "what can you do?", "thanks", "bye")]
# Replies that answer but say the hub or a hospital was not reached: a failure the patient sees.
DEGRADED = ("can't reach", "couldn't reach", "unreachable", "right now")


class Done(Exception):
    """The run is over: a user stops instead of starting another turn."""


class Phases:
    """Which bot the users may talk to now. A turn starts only while its bot's gate is open; at a switch
    the old gate closes and the next opens once the turns in flight are over, so phases never overlap."""

    def __init__(self) -> None:
        self.gates = {"qaid": asyncio.Event(), "baseline": asyncio.Event()}
        self.inflight, self.recording, self.done = 0, False, False
        self.load_s, self.load_since = 0.0, 0.0  # measured Q&Aid seconds: the x of the memory slope

    def load_min(self) -> float:
        return (self.load_s + (time.monotonic() - self.load_since if self.load_since else 0.0)) / 60

    async def enter(self, bot: str) -> bool:
        while not self.gates[bot].is_set():
            await self.gates[bot].wait()
        if self.done:
            raise Done
        self.inflight += 1
        return self.recording

    async def run(self, plan: list[tuple[str, float, bool]], memory: Memory) -> None:
        for bot, seconds, recording in plan:
            if recording and memory.warm is None:
                memory.sample(self.load_min(), warm=True)
            self.recording = recording
            self.load_since = time.monotonic() if recording and bot == "qaid" else 0.0
            self.gates[bot].set()
            await asyncio.sleep(seconds)
            self.gates[bot].clear()
            self.load_s, self.load_since = self.load_s + (seconds if self.load_since else 0.0), 0.0
            while self.inflight:
                await asyncio.sleep(0.05)
        self.done = True
        for gate in self.gates.values():
            gate.set()


def unique_png(png: bytes) -> bytes:
    """The same pixels with a fresh tEXt chunk: the hub stores each upload as a new image, as with real
    patients, instead of answering 200 for bytes it has stored before."""
    data = b"Comment\0" + uuid.uuid4().hex.encode()
    chunk = struct.pack(">I", len(data)) + b"tEXt" + data + struct.pack(">I", zlib.crc32(b"tEXt" + data))
    return png[:33] + chunk + png[33:]  # after the 8-byte signature and the 25-byte IHDR chunk


def service_token() -> str:
    if not (token := operator_secret(env.HUB_SERVICE_TOKEN)):
        raise SystemExit(f"no hub service token: set {env.HUB_SERVICE_TOKEN.name} or start the network")
    return token


class Load:
    """The patients, what they say, and every figure they collect."""

    def __init__(self, args: argparse.Namespace, http: aiohttp.ClientSession, phases: Phases) -> None:
        self.args, self.http, self.phases = args, http, phases
        self.socket_cfg, self.token = socket_config(), service_token()
        # Q&Aid's REST channel requires its token; the stock baseline has none and is not given it
        self.rest_token = operator_secret(env.REST_TOKEN)
        pngs = [(p.name.split("_")[0], p) for p in sorted(args.samples.glob("*.png")) if "mask" not in p.name]
        self.images = [(topic, p.read_bytes()) for topic, p in pngs if topic in QUESTIONS]
        if not self.images:
            raise SystemExit(f"no brain/chest sample images in {args.samples}: run `make bundles`")
        self.latency: dict[tuple[str, str, str], list[float]] = {}  # (bot, turn, channel) -> seconds
        self.errors: Counter[str] = Counter()
        self.channel_errors: Counter[tuple[str, str]] = Counter()  # (bot, channel) -> failed conversations
        self.examples: dict[str, str] = {}
        self.conversations: Counter[str] = Counter()

    def error(self, kind: str, sample: str) -> None:
        self.errors[kind] += 1
        self.examples.setdefault(kind, sample[:200])

    async def turn(self, bot: str, kind: str, channel: str, call: Any, think: bool = True) -> Any:
        """One gated, timed step with its reply checked; a failure raises TurnError."""
        try:
            recording = await self.phases.enter(bot)
        except Done:
            call.close()  # the coroutine never started
            raise
        try:
            seconds, reply = await call
            low = reply.lower() if isinstance(reply, str) else "ok"
            if not low.strip():
                raise TurnError("empty_reply")
            if any(marker in low for marker in DEGRADED):
                raise TurnError("degraded_reply", reply)
            if kind in ("image", "vqa") and "hospital" not in low:
                raise TurnError("reply_without_hospital", reply)
            if recording:
                self.latency.setdefault((bot, kind, channel), []).append(seconds)
            return reply
        except TurnError as e:
            raise TurnError(f"{kind}_{e.kind}", e.sample) from None
        except Timeout:
            raise TurnError(f"{kind}_timeout") from None
        except (aiohttp.ClientError, socketio.exceptions.SocketIOError) as e:
            raise TurnError(f"{kind}_connection", repr(e)) from None
        finally:
            self.phases.inflight -= 1
            if think:
                await asyncio.sleep(self.args.think * random.uniform(0.5, 1.5))

    async def upload(self, png: bytes, sender: str) -> tuple[float, dict[str, Any]]:
        # With the service token, as the bot's channels upload: anonymous uploads are limited per
        # address (burst 20, then 30/min), which 50 patients from this one address would trip. The
        # sender header binds the image to the conversation (the reference the bot checks), as the web
        # page does with its session id: without it the bot refuses to look at the image.
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/octet-stream"}
        headers[binding.SENDER_HEADER] = sender
        timeout, start = aiohttp.ClientTimeout(total=self.args.timeout), time.perf_counter()
        url = f"{self.args.hub_url}/api/v1/images"
        async with self.http.post(url, data=png, headers=headers, timeout=timeout) as r:
            if r.status not in (200, 201):
                raise TurnError(f"http_{r.status}", await r.text())
            return time.perf_counter() - start, await r.json()

    async def conversation(self, bot: str, channel: str) -> None:
        """Q&Aid: greet, an image, a question about it, a definition, small talk, bye (no consent, so no
        transcript: the inboxes stay out of it). Baseline: the `rasa init` bot's text turns."""
        url = self.args.rasa_url if bot == "qaid" else self.args.baseline_url
        token = self.rest_token if bot == "qaid" else ""
        ch: Rest | Socket = Rest(self.http, url, self.args.timeout, token, f"load-{uuid.uuid4().hex[:12]}")
        if channel == "socketio":  # Q&Aid's socket.io server has a port of its own (issue 18)
            sock_url = self.args.socket_url if bot == "qaid" else url
            sock = Socket(sock_url, self.socket_cfg, self.args.timeout, self.args.quiet)
            ch = await self.turn(bot, "connect", channel, sock.open(), think=False)
        topic, png = random.choice(self.images)
        try:
            for kind, text in QAID_SCRIPT if bot == "qaid" else [("text", t) for t in BASELINE_TURNS]:
                metadata = None
                if kind == "image":
                    uploading = self.upload(unique_png(png), ch.sender)
                    metadata = {"image": await self.turn(bot, "upload", "http", uploading)}
                await self.turn(bot, kind, channel, ch.say(text or QUESTIONS[topic], metadata))
            self.conversations[bot] += 1
        finally:
            await ch.close()

    async def user(self, i: int, bot: str) -> None:
        """Conversations one after another, each with a fresh sender, until the run is over."""
        channel = "rest" if i % 2 == 0 else "socketio"
        await asyncio.sleep(random.uniform(0, min(self.args.warmup, 5)))  # no thundering herd
        while True:
            try:
                await self.conversation(bot, channel)
            except Done:
                return
            except Exception as e:  # a TurnError, or a bug here: counted, never silently ending a user
                kind = e.kind if isinstance(e, TurnError) else f"unexpected_{type(e).__name__}"
                self.error(kind if bot == "qaid" else f"baseline:{kind}", getattr(e, "sample", repr(e)))
                self.channel_errors[bot, channel] += 1
                await asyncio.sleep(self.args.think)


def plan(args: argparse.Namespace) -> list[tuple[str, float, bool]]:
    """(bot, seconds, measured): warm-ups, then phases alternating until each bot has had --duration."""
    bots = ["qaid", "baseline"] if args.baseline_url else ["qaid"]
    out = [(bot, float(args.warmup), False) for bot in bots]
    phase = args.phase if args.baseline_url else args.duration
    for i in range(int(-(-args.duration // phase))):
        out += [(bot, min(phase, args.duration - i * phase), True) for bot in bots]
    return out


def summarize(load: Load, meta: dict[str, Any], memory: list[dict[str, Any]]) -> dict[str, Any]:
    rows = []
    kinds = ("text", "image", "vqa", "upload", "connect")
    for bot, kind in [(b, k) for b in ("qaid", "baseline") for k in kinds]:
        by_channel = {c: vs for (b, k, c), vs in sorted(load.latency.items()) if (b, k) == (bot, kind)}
        split = list(by_channel.items()) if len(by_channel) > 1 else []
        for channel, values in [("all", [v for vs in by_channel.values() for v in vs]), *split]:
            if values:
                pct = {f"p{q}_ms": round(percentile(values, q) * 1000, 1) for q in (50, 95, 99)}
                rows.append({"bot": bot, "turn": kind, "channel": channel, "count": len(values), **pct})
    text = [r for r in rows if (r["turn"], r["channel"]) == ("text", "all")]
    ratio = {q: round(text[0][q] / text[1][q], 2) for q in ("p50_ms", "p95_ms", "p99_ms")} if text[1:] else {}
    return {**meta, "conversations": dict(load.conversations), "latency": rows, "errors": dict(load.errors),
            "error_examples": load.examples, "memory": memory, "text_qaid_over_baseline": ratio,
            "socketio_vs_rest": channel_split(load, rows)}  # fmt: skip


def channel_split(load: Load, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per bot: text turns over socket.io beside REST (issue 18's target: socket.io p95 <= 1.3 x REST
    p95, 0 errors, same run); errors are failed conversations of that channel's patients."""
    out = []
    for bot in ("qaid", "baseline"):
        text = {r["channel"]: r for r in rows if (r["bot"], r["turn"]) == (bot, "text")}
        if not {"rest", "socketio"} <= set(text):
            continue
        rest, sock = text["rest"], text["socketio"]
        errors = {c: load.channel_errors[bot, c] for c in ("rest", "socketio")}
        ratio = round(sock["p95_ms"] / rest["p95_ms"], 2)
        out.append({"bot": bot, "rest_p50_ms": rest["p50_ms"], "rest_p95_ms": rest["p95_ms"],
                    "socketio_p50_ms": sock["p50_ms"], "socketio_p95_ms": sock["p95_ms"],
                    "p50_ratio": round(sock["p50_ms"] / rest["p50_ms"], 2), "p95_ratio": ratio,
                    "rest_errors": errors["rest"], "socketio_errors": errors["socketio"],
                    "target": "met" if ratio <= 1.3 and not any(errors.values()) else "missed"})  # fmt: skip
    return out


def table(title: str, rows: list[dict[str, Any]], cols: list[str]) -> None:
    """Columns as wide as their widest cell; the first left-aligned, the others right-aligned."""
    rows = [{c: c for c in cols}, *rows]
    width = {c: max(len(str(r.get(c))) for r in rows) for c in cols}
    print(f"\n{title}")
    for r in rows:
        print("  ".join(f"{r.get(c)!s:{'<' if c == cols[0] else '>'}{width[c]}}" for c in cols))


def show(r: dict[str, Any]) -> None:
    print(f"\nQ&Aid load test: {r['users']} patients, half REST, half socket.io, think {r['think']:g} s;")
    phases = f"phases of {r['phase']:g} s" if r["baseline_url"] else "no baseline"
    print(f"{r['duration_s']:g} s measured per bot after {r['warmup_s']:g} s warm-up; {phases}")
    print(f"wall {r['wall_s']} s; load average {r['loadavg_start']} -> {r['loadavg_end']}")
    print(f"completed conversations {r['conversations']}")
    lag = f"event-loop lag p50 {r['client_lag_p50_ms']} ms, p99 {r['client_lag_p99_ms']} ms"
    print(f"load generator: {r['client_cpu_pct']} % of a core, {lag}; socket.io stragglers: {r['late']}")
    cols = ["bot", "turn", "channel", "count", "p50_ms", "p95_ms", "p99_ms"]
    table("latency per turn (ms; failed turns left out)", r["latency"], cols)
    print(f"\nerrors: {sum(r['errors'].values())} (target 0)")
    for kind, n in sorted(r["errors"].items(), key=lambda kv: -kv[1]):
        print(f"  {kind:<30} {n:>5}  e.g. {r['error_examples'].get(kind, '')[:100]!r}")
    cols = ["process", "warm_mb", "end_mb", "growth_mb", "growth_pct", "slope_mb_per_load_min", "verdict"]
    table("memory, RSS (target: flat; slope per minute of measured Q&Aid load)", r["memory"], cols)
    cols = [
        "bot",
        "rest_p50_ms",
        "rest_p95_ms",
        "socketio_p50_ms",
        "socketio_p95_ms",
        "p50_ratio",
        "p95_ratio",
    ]
    cols += ["rest_errors", "socketio_errors", "target"]
    table("text turns, socket.io vs REST (target: socket.io p95 <= 1.3x REST p95, 0 errors)",
          r["socketio_vs_rest"], cols)  # fmt: skip
    if r["text_qaid_over_baseline"]:
        rows = [{**x, "text": x["bot"]} for x in r["latency"] if (x["turn"], x["channel"]) == ("text", "all")]
        ratio = {k: f"{v}x" for k, v in r["text_qaid_over_baseline"].items()}
        table("text turns, Q&Aid vs a plain `rasa init` bot", [*rows, {"text": "Q&Aid / rasa init", **ratio}],
              ["text", "p50_ms", "p95_ms", "p99_ms"])  # fmt: skip


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--duration", type=float, default=180, help="measured seconds per bot")
    ap.add_argument("--warmup", type=float, default=20, help="seconds per bot before measuring")
    ap.add_argument("--phase", type=float, default=30, help="seconds of each alternating phase")
    ap.add_argument("--think", type=float, default=1.0, help="mean pause between a reply and the next turn")
    ap.add_argument("--quiet", type=float, default=0.3, help="socket.io: a turn ends after this gap")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per turn before it is an error")
    ap.add_argument("--rasa-url", default="http://127.0.0.1:5005")
    ap.add_argument("--socket-url", default="http://127.0.0.1:5006", help="Q&Aid's socket.io server")
    ap.add_argument("--hub-url", default="http://127.0.0.1:8000")
    ap.add_argument("--samples", type=Path, default=REPO / "var" / "bundles" / "samples")
    ap.add_argument("--pids", type=Path, default=REPO / "var" / "network.pids")
    ap.add_argument("--baseline-url", help="a running `rasa init` bot with rest and socketio channels")
    ap.add_argument("--baseline-dir", type=Path, help="a trained `rasa init` project to serve")
    ap.add_argument("--baseline-port", type=int, default=15907)
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--json", type=Path, help="write every figure here")
    args = ap.parse_args()
    if not args.pids.exists():
        raise SystemExit(f"{args.pids} not found: is `make run` running?")
    proc, created, creds = None, None, Path(tempfile.mkstemp(prefix="qaid-load-", suffix=".yml")[1])
    try:
        if not args.no_baseline and not args.baseline_url:
            # the baseline gets the same channels: stock rest, stock socketio with the same events
            sock = {k: socket_config()[k] for k in ("user_message_evt", "bot_message_evt")}
            sock["session_persistence"] = True
            creds.write_text(yaml.safe_dump({"rest": None, "socketio": sock}))
            port = args.baseline_port
            proc, created = start_baseline(args.baseline_dir, port, ["--credentials", str(creds)])
            args.baseline_url = f"http://127.0.0.1:{port}"
        args.baseline_url = None if args.no_baseline else args.baseline_url
        await wait_ready(args.rasa_url, 60)
        if args.baseline_url:
            await wait_ready(args.baseline_url, 300)
        phases, memory = Phases(), Memory(args.pids)
        start, cpu, load_start = time.monotonic(), time.process_time(), [round(x, 2) for x in os.getloadavg()]
        lag: list[float] = []
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=2 * args.users)) as http:
            load = Load(args, http, phases)

            async def watch() -> None:  # memory every 5 s; the lag of this loop is the client's own delay
                for tick in itertools.count():
                    if phases.done:
                        return
                    if tick % 50 == 0:
                        memory.sample(phases.load_min())
                    t = time.perf_counter()
                    await asyncio.sleep(0.1)
                    lag.append(time.perf_counter() - t - 0.1)

            bots = ["qaid", "baseline"] if args.baseline_url else ["qaid"]
            users = [asyncio.create_task(load.user(i, bot)) for i in range(args.users) for bot in bots]
            watcher = asyncio.create_task(watch())
            await phases.run(plan(args), memory)
            await asyncio.gather(*users, watcher)
            end = memory.sample(phases.load_min())
    finally:
        stop_baseline(proc, created)
        creds.unlink(missing_ok=True)
    for name in set(memory.leaders.values()) - set(end):
        load.error("process_gone", name)
    for name in +memory.restarts:  # only the positive counts
        load.error("process_restarted", name)
    meta = {k: getattr(args, k) for k in ("users", "think", "phase", "baseline_url")}
    meta |= {"duration_s": args.duration, "warmup_s": args.warmup, "wall_s": round(time.monotonic() - start)}
    meta |= {"loadavg_start": load_start, "loadavg_end": [round(x, 2) for x in os.getloadavg()]}
    meta |= {"client_cpu_pct": round(100 * (time.process_time() - cpu) / meta["wall_s"]), "late": Socket.late}
    meta |= {f"client_lag_p{q}_ms": round(percentile(lag, q) * 1000, 1) for q in (50, 99)}
    result = summarize(load, meta, memory.report(end))
    show(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
    return 1 if sum(load.errors.values()) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
