"""Retention for Rasa's conversations: ``python -m qaid_bot.purge_trackers --days 30`` (from bot/).

Rasa's SQL tracker store keeps every event of every conversation - the patient's own words, in
plain text - for ever; Rasa 3.6 has no retention of its own. The hub purges transcripts and images
after ``QAID_RETENTION_DAYS``; this does the same for the tracker store the endpoints file names:
every conversation whose **last** event is older than the cutoff is deleted whole (a conversation
still going on keeps its history). Run it daily (cron, a Kubernetes CronJob) with the same
environment as the Rasa servers; ``--dry-run`` counts without deleting.
"""

from __future__ import annotations

import argparse
import os
import time

from sqlalchemy import func

CHUNK = 500  # conversations per DELETE: short transactions beside live Rasa servers


def purge(store: object, older_than_s: float, *, dry_run: bool = False, now: float | None = None) -> int:
    """Delete (or count) the conversations of ``store`` (a Rasa SQLTrackerStore) idle for longer
    than ``older_than_s`` seconds; the number of conversations."""
    cutoff = (time.time() if now is None else now) - older_than_s
    events = store.SQLEvent  # type: ignore[attr-defined]
    with store.session_scope() as session:  # type: ignore[attr-defined]
        idle = (
            session.query(events.sender_id)
            .group_by(events.sender_id)
            .having(func.max(events.timestamp) < cutoff)
        )
        senders = [row[0] for row in idle]
        if not dry_run:
            for i in range(0, len(senders), CHUNK):
                chunk = senders[i : i + CHUNK]
                session.query(events).filter(events.sender_id.in_(chunk)).delete(synchronize_session=False)
                session.commit()
    return len(senders)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m qaid_bot.purge_trackers", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--endpoints", default="endpoints.prod.yml")
    default_days = float(os.environ.get("QAID_RETENTION_DAYS", "") or 30)
    parser.add_argument("--days", type=float, default=default_days, help="default QAID_RETENTION_DAYS or 30")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)

    from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
    from rasa.core.utils import AvailableEndpoints
    from rasa.shared.core.domain import Domain

    config = AvailableEndpoints.read_endpoints(args.endpoints).tracker_store
    store = TrackerStore.create(config, Domain.empty())
    if not isinstance(store, SQLTrackerStore):  # Rasa falls back to memory when it cannot connect
        raise SystemExit(f"purge_trackers: {args.endpoints} does not give a reachable SQL tracker store")
    n = purge(store, args.days * 86400, dry_run=args.dry_run)
    verb = "would delete" if args.dry_run else "deleted"
    print(f"{verb} {n} conversations idle for over {args.days:g} days")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
