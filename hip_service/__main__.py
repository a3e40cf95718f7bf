"""``python -m hip_service --hospital <id>``: serve one hospital's bundle with uvicorn.

The bundle is loaded and validated BEFORE the server binds its port; a broken bundle prints one
clear message and exits with status 2, so a supervisor sees the failure at once.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from hip_service.bundle_loader import BundleError
from hip_service.config import HipConfig
from hip_service.logs import configure
from qaid.config import get_settings, private_files


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m hip_service", description=__doc__)
    p.add_argument("--hospital", help="hospital id from the network config (qaid.config)")
    p.add_argument("--bundle", type=Path, help="bundle directory (default: <bundles_dir>/<hospital>)")
    p.add_argument("--port", type=int, help="port (default: the hospital's hip_port + port_offset)")
    p.add_argument("--host", help="bind address (default: settings.host)")
    p.add_argument("--log-level", default="INFO")
    args = p.parse_args(argv)
    if not args.hospital and not (args.bundle and args.port):
        p.error("give --hospital, or both --bundle and --port")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    private_files()
    configure(args.log_level)
    settings = get_settings()
    try:
        spec = settings.hospital(args.hospital) if args.hospital else None
    except KeyError as exc:
        hint = "; a hospital outside the demo gives --bundle and --port (or uses python -m hospital_kit)"
        print(f"hip_service: {exc.args[0]}{hint}", file=sys.stderr)
        return 2
    bundle_dir = args.bundle or settings.bundles_dir / spec.id  # type: ignore[union-attr]
    port = args.port or settings.port(spec.hip_port)  # type: ignore[union-attr]
    if not settings.hip_token:
        message = (
            "QAID_HIP_TOKEN is not set: set it to the bearer token callers must present "
            "(the hospital kit sets it from [hip] token; a HIP never reads the operator's var/secrets.env)"
        )
        print(f"hip_service: refusing to start: {message}", file=sys.stderr)
        return 2
    config = HipConfig.from_env(bundle_dir, settings.hip_token)
    try:
        from hip_service.app import create_app

        app = create_app(config)
    except BundleError as exc:
        print(f"hip_service: refusing to start: {exc}", file=sys.stderr)
        return 2
    import uvicorn

    logging.getLogger("hip_service").info("serving", extra={"bundle_dir": str(bundle_dir), "port": port})
    uvicorn.run(app, host=args.host or settings.host, port=port, log_config=None, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
