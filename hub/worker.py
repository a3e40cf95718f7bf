"""The delivery worker: sends due outbox rows as signed webhooks and records every attempt.

It runs inside the hub process as an asyncio task (the demo) or standalone with
``python -m hub.worker`` (production: any number of them against PostgreSQL). Database
work runs in a thread so the event loop (and, in-process, the hub's HTTP handlers) never blocks;
the sends of one batch run concurrently.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import signal
import socket
import ssl
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import certifi
import httpx
from sqlalchemy import Engine

from hub import egress, images, leases, offers, reply_outbox
from hub.crypto import DataBox
from hub.db import migrate
from hub.outbox import Job, Outcome, RetryPolicy, claim, record_many, release_dead_leases
from hub.reply_outbox import ReplySend
from hub.retention import PurgeResult, purge
from qaid import redact, webhooks
from qaid.config import Settings, operator_settings, private_files
from qaid.db import make_engine, session_factory, utcnow

log = logging.getLogger("hub.worker")


def webhook_tls(ca_file: str = "") -> ssl.SSLContext:
    """Certificate verification for deliveries: the public CAs, plus ``ca_file`` when a hospital's
    inbox has a certificate from a private PKI (``QAID_WEBHOOK_CA_FILE``). Never switched off."""
    context = ssl.create_default_context(cafile=certifi.where())
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


class Clients:
    """One HTTP client (connection pool) per receiving hospital, created on first use; pinned to
    checked public addresses (hub.egress) when the hospital's URLs must be public."""

    def __init__(self, make: Callable[[bool], httpx.AsyncClient]) -> None:
        self._make = make
        self._by_receiver: dict[tuple[str, bool], httpx.AsyncClient] = {}

    def get(self, receiver: str, public_only: bool = False) -> httpx.AsyncClient:
        key = (receiver, public_only)  # a registration changed by the operator gets a new pool
        client = self._by_receiver.get(key)
        if client is None:
            client = self._by_receiver[key] = self._make(public_only)
        return client

    async def __aenter__(self) -> Clients:
        return self

    async def __aexit__(self, *_: object) -> None:
        clients, self._by_receiver = list(self._by_receiver.values()), {}
        await asyncio.gather(*(c.aclose() for c in clients))


class Worker:
    def __init__(
        self,
        engine: Engine,
        box: DataBox,
        policy: RetryPolicy | None = None,
        *,
        worker_id: str | None = None,
        batch: int = 20,
        lanes: int = 2,
        timeout_s: float = 10.0,
        poll_s: float = 0.25,
        public_url: str | None = None,
        retention: timedelta | None = None,
        purge_every_s: float = 3600.0,
        tls: ssl.SSLContext | None = None,
        per_receiver: int = 4,
        conversation_key: str = "",
        offers_every_s: float = 0.0,
        allow_private: bool = False,
        bot_url: str = "",
        bot_secret: str = "",
    ):
        self.sessions = session_factory(engine)
        self.box = box
        self.policy = policy or RetryPolicy()
        if self.policy.lease_s <= timeout_s:
            raise ValueError("the claim lease must outlast the send timeout")
        self.worker_id = worker_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.batch = batch
        # Lanes: independent claim -> send -> record loops, so one batch's database round trips
        # overlap another's HTTP waits. Each lane claims under its own id (fencing stays per lane).
        self.lanes = max(1, lanes)
        self.timeout_s = timeout_s
        self.poll_s = poll_s
        # The hub's base URL as receivers reach it: deliveries then carry image capability URLs.
        self.public_url = public_url.rstrip("/") if public_url else None
        # With a retention period, the loop also runs the purge every ``purge_every_s`` seconds.
        self.retention = retention
        self.purge_every_s = purge_every_s
        self._last_purge = float("-inf")
        self.tls = tls or webhook_tls()
        # Connections per receiving hospital, each hospital in a pool of its own: a slow hospital
        # only ties up its own connections, and httpcore's pool bookkeeping (linear in the pool's
        # connections and queue, per request) stays small — one 40-connection pool cost 6 ms of
        # CPU per delivery against 1.6 ms for pools of 4 (bench/transcripts_delivery.py).
        self.per_receiver = max(1, per_receiver)
        # Image links go only to images whose reference verifies under this key (hub.images.linkable);
        # without a key no image is linked.
        self.conversation_key = conversation_key
        # With a period, a task beside the lanes re-reads every live HIP's capabilities (hub.offers).
        self.offers_every_s = offers_every_s
        # QAID_JOIN_ALLOW_PRIVATE: a hospital's own URLs may be private addresses (hub.egress).
        self.allow_private = allow_private
        # Where replies reach the patient: the bot's hub channel, and the secret its notices are
        # signed with (hub.reply_outbox). Without them, notices to the bot are marked dead.
        self.bot_url = bot_url
        self.bot_secret = bot_secret

    def _client(self) -> Clients:
        # No redirects (a 3xx is a failure, not an invitation to post patient data elsewhere) and
        # no proxies from the environment.
        def make(public_only: bool) -> httpx.AsyncClient:
            n = self.per_receiver
            limits = httpx.Limits(max_connections=n, max_keepalive_connections=n, keepalive_expiry=30)
            return egress.async_client(public_only, verify=self.tls, timeout=self.timeout_s, limits=limits)

        return Clients(make)

    def _linkable(self, transcript_body: bytes) -> set[str]:
        with self.sessions() as db:
            return images.linkable(db, self.conversation_key, json.loads(transcript_body))

    async def _image_links(self, job: Job) -> Callable[[str], str | None] | None:
        """The capability-link maker for this delivery: only for the images bound to its conversation."""
        if not self.public_url:
            return None
        linked = await asyncio.to_thread(self._linkable, job.transcript_body)
        base = self.public_url
        return lambda image_id: images.image_url(base, self.box, image_id) if image_id in linked else None

    async def _send(self, clients: Clients, job: Job) -> Outcome:
        started, t0 = utcnow(), time.monotonic()
        code: int | None = None
        error: str | None = None
        try:
            body = webhooks.payload(job.transcript_body, job.event_time, await self._image_links(job))
            headers = webhooks.headers(job.delivery_id, job.secrets, body)
            headers["user-agent"] = "qaid-transcripts-hub/1"
            public = egress.public_only(job.url_from_hospital, self.allow_private)
            client = clients.get(job.hospital_id, public)
            resp = await client.post(job.url, content=body, headers=headers)
            code = resp.status_code
            if not 200 <= code < 300:
                error = f"HTTP {code}: {resp.text[:300]}"
        except Exception as exc:  # timeouts, refused connections, bad secrets: all retryable
            error = f"{type(exc).__name__}: {exc}"[:500]
        return Outcome(code, error, started, int((time.monotonic() - t0) * 1000))

    async def _send_reply(self, clients: Clients, send: ReplySend) -> tuple[int | None, str | None]:
        try:
            headers = webhooks.headers(send.job_id, send.secrets, send.body)
            headers["user-agent"] = "qaid-transcripts-hub/1"
            public = egress.public_only(send.url_from_hospital, self.allow_private)
            resp = await clients.get(f"reply-{send.target}", public).post(
                send.url, content=send.body, headers=headers
            )
            ok = 200 <= resp.status_code < 300
            return resp.status_code, None if ok else f"HTTP {resp.status_code}: {resp.text[:300]}"
        except Exception as exc:  # timeouts, refused connections: retryable
            return None, f"{type(exc).__name__}: {exc}"[:500]

    async def run_replies_once(self, client: Clients | None = None) -> int:
        """Claim due reply jobs, send them, record each outcome; how many were attempted."""
        claimer = self.worker_id + ".replies"
        sends = await asyncio.to_thread(
            reply_outbox.claim, self.sessions, self.box, claimer, self.policy, self.batch,
            self.bot_url, self.bot_secret,
        )  # fmt: skip
        if not sends:
            return 0
        async with contextlib.AsyncExitStack() as stack:
            clients = client if client is not None else await stack.enter_async_context(self._client())
            outcomes = await asyncio.gather(*(self._send_reply(clients, s) for s in sends))
        for send, (code, error) in zip(sends, outcomes, strict=True):
            status = await asyncio.to_thread(
                reply_outbox.record, self.sessions, send, code, error, claimer, self.policy
            )
            log.debug("reply job %s to %s #%d: %s", send.job_id, send.target, send.attempt, status)
        return len(sends)

    async def _reply_lane(self, client: Clients, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                n = await self.run_replies_once(client)
            except Exception:
                log.exception("reply worker iteration failed; retrying")
                n = 0
            if n < self.batch:
                await self._idle(stop)

    async def _idle(self, stop: asyncio.Event) -> None:
        """Wait one poll interval for new work, or until told to stop."""
        try:
            await asyncio.wait_for(stop.wait(), timeout=self.poll_s)
        except TimeoutError:
            pass

    def lane_id(self, lane: int) -> str:
        return self.worker_id if lane == 0 else f"{self.worker_id}.{lane}"

    async def run_once(self, client: Clients | None = None, lane: int = 0) -> int:
        """Claim one batch, send it, record the outcomes; the number of deliveries attempted."""
        claimer = self.lane_id(lane)
        jobs = await asyncio.to_thread(claim, self.sessions, self.box, claimer, self.policy, self.batch)
        if not jobs:
            return 0
        if client is None:
            async with self._client() as own:
                outcomes = await asyncio.gather(*(self._send(own, j) for j in jobs))
        else:
            outcomes = await asyncio.gather(*(self._send(client, j) for j in jobs))
        results = list(zip(jobs, outcomes, strict=True))
        statuses = await asyncio.to_thread(record_many, self.sessions, results, claimer, self.policy)
        for job, status in zip(jobs, statuses, strict=True):
            log.debug("delivery %s to %s #%d: %s", job.delivery_id, job.hospital_id, job.attempt, status)
        return len(jobs)

    async def maybe_purge(self) -> PurgeResult | None:
        """Run the retention purge if one is configured and due; its result, or None."""
        if self.retention is None or time.monotonic() - self._last_purge < self.purge_every_s:
            return None
        self._last_purge = time.monotonic()
        result = await asyncio.to_thread(purge, self.sessions, self.retention)
        if result.transcripts or result.images:
            log.info("retention purge: %s", result)
        return result

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set; a full batch is followed immediately by the next one."""
        try:
            released = await asyncio.to_thread(release_dead_leases, self.sessions, socket.gethostname())
            if released:
                log.info("released %d deliveries leased by crashed workers of this host", released)
        except Exception:
            log.exception("could not release the leases of crashed workers; they expire on their own")
        async with self._client() as client:
            await asyncio.gather(
                *(self._lane(client, lane, stop) for lane in range(self.lanes)),
                self._reply_lane(client, stop),
                self._follow_offers(stop),
            )

    async def _follow_offers(self, stop: asyncio.Event) -> None:
        """Every ``offers_every_s`` seconds (none when 0), the directory re-reads the HIPs' offers,
        once per period across all workers (:meth:`offers_tick`); beside the lanes, so a slow HIP
        never holds up a delivery."""
        if self.offers_every_s <= 0:
            return
        wait = self.offers_every_s  # a (re)started worker does not ask every HIP at once: a period first
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=wait)
                return
            except TimeoutError:
                pass
            try:
                wait = await self.offers_tick()
            except Exception:
                log.exception("offers refresh failed; trying again next period")
                wait = self.offers_every_s

    async def offers_tick(self) -> float:
        """Refresh the offers if this worker wins this period's lease (hub.leases); the seconds to
        wait before trying again.

        The winner holds the lease for the period plus the longest a refresh may take (so nobody
        starts a second one meanwhile), refreshes, then renews it to expire one period after it
        finished: the next refresh, by whichever worker wakes first, is a period later. A worker
        that dies mid-refresh stops renewing; its lease expires and another takes over. A loser
        sleeps until the holder's lease expires (at most a period), so one of N workers refreshes
        each period however their timers are phased."""
        period = timedelta(seconds=self.offers_every_s)
        until = utcnow() + period + timedelta(seconds=offers.LONGEST_REFRESH_S)
        won, expires = await asyncio.to_thread(self._take_offers_lease, until)
        if not won:
            # a little jitter, so the losers do not all wake at the same instant
            left = (expires - utcnow()).total_seconds()
            return min(max(left, 0.0), self.offers_every_s) + random.uniform(0, 0.05)
        try:
            await offers.refresh(self.sessions, self.box, self.tls, self.allow_private)
        finally:
            await asyncio.to_thread(self._renew_offers_lease, utcnow() + period)
        return self.offers_every_s

    def _take_offers_lease(self, until: datetime) -> tuple[bool, datetime]:
        """(won, when the lease now expires)."""
        with self.sessions() as db:
            won = leases.take(db, offers.LEASE, self.worker_id, until)
            current = None if won else leases.held(db, offers.LEASE)
        return won, current[1] if current else until

    def _renew_offers_lease(self, until: datetime) -> None:
        with self.sessions() as db:
            leases.renew(db, offers.LEASE, self.worker_id, until)

    async def _lane(self, client: Clients, lane: int, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                if lane == 0:
                    await self.maybe_purge()
                n = await self.run_once(client, lane)
            except Exception:
                log.exception("delivery worker iteration failed; retrying")
                n = 0
            if n < self.batch:
                await self._idle(stop)

    async def drain(self) -> int:
        """Deliver until nothing is due (every lane found its claim empty); attempts made."""

        async def lane_drain(client: Clients, lane: int) -> int:
            total = 0
            while n := await self.run_once(client, lane):
                total += n
            return total

        async with self._client() as client:
            return sum(await asyncio.gather(*(lane_drain(client, lane) for lane in range(self.lanes))))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Q&Aid transcript delivery worker")
    parser.add_argument("--poll", type=float, default=0.25, help="seconds between polls when idle")
    parser.add_argument("--batch", type=int, default=20, help="deliveries claimed per round trip")
    parser.add_argument("--lanes", type=int, default=2, help="concurrent claim/send/record loops")
    parser.add_argument("--per-receiver", type=int, default=4, help="connections per receiving hospital")
    args = parser.parse_args(argv)
    private_files()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    redact.install()
    settings: Settings = operator_settings()
    engine = make_engine(settings.hub_db_url())
    migrate(engine)
    worker = Worker(
        engine,
        DataBox(settings.data_key),
        poll_s=args.poll,
        batch=args.batch,
        lanes=args.lanes,
        per_receiver=args.per_receiver,
        public_url=settings.hub_public_url,
        retention=timedelta(days=settings.retention_days),
        tls=webhook_tls(settings.webhook_ca_file),
        conversation_key=settings.conversation_key,
        offers_every_s=settings.offers_refresh_s,
        allow_private=settings.join_allow_private,
        bot_url=settings.rasa_url,
        bot_secret=settings.bot_webhook_secret,
    )
    db_url = engine.url.render_as_string(hide_password=True)
    log.info("worker %s delivering from %s", worker.worker_id, db_url)
    asyncio.run(_serve(worker))


async def _serve(worker: Worker) -> None:
    """Run until SIGINT/SIGTERM, finishing the batch in flight (its results get recorded)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await worker.run(stop)


if __name__ == "__main__":
    main()
