"""One command for a real (deployment-engine) federation on loopback: ``python -m federated.run_demo``.

1. writes each demo hospital's local data folder (``federated.data.prepare``),
2. generates a local CA + SuperLink certificate (``federated.certs``; skipped with ``--insecure``),
3. starts ``flower-superlink`` and one ``flower-supernode`` per hospital, each with
   ``--node-config 'partition="<hip>" data-dir="<folder>"'``,
4. runs the app with ``flwr run federated qaid-demo --stream`` (a SuperLink connection written to a
   private ``FLWR_HOME``), then stops every process it started.

Runtime dependency installation stays off: the SuperLink gets
``--disable-runtime-dependency-installation`` (and ``FLWR_DISABLE_RUNTIME_DEPENDENCY_INSTALLATION=1``),
SuperNodes are started without ``--allow-runtime-dependency-installation``. All processes use this
venv and ``PYTHONPATH=<repo>``. ``--kill <hip> --kill-after S`` kills a SuperNode mid-run.

``--executor warm`` (default) starts each SuperNode with ``--isolation process`` next to a
:mod:`federated.warm_exec` SuperExec that forks every ClientApp process from a warm parent;
``--executor subprocess`` is Flower's default (a fresh ``flwr-clientapp`` per message).
``--node-poll 0.2`` (default) runs each SuperNode as :mod:`federated.fast_supernode` (idle poll
0.2 s instead of flwr 1.41's hard-coded 3 s); ``--node-poll 0`` runs ``flower-supernode`` as is.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from federated import certs, data
from qaid.config import DEMO_HOSPITALS, REPO_ROOT

BIN = Path(sys.executable).parent


def _env(flwr_home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH", "")]))
    env["FLWR_HOME"] = str(flwr_home)
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])  # flower-superexec, flwr-clientapp
    env["FLWR_DISABLE_RUNTIME_DEPENDENCY_INSTALLATION"] = "1"
    env["FLWR_TELEMETRY_ENABLED"] = "0"
    env["OMP_NUM_THREADS"] = env.get("OMP_NUM_THREADS", "1")
    # SuperExec asks its SuperNode for a new task every 1 s by default; each ClientApp message waits
    # for that poll before its process is even started. 0.1 s costs one loopback request per poll.
    env.setdefault("FLWR_SUPEREXEC_TASK_POLL_INTERVAL", "0.1")
    return env


def superlink_cmd(port: int, tls: certs.CertPaths | None, db: Path) -> list[str]:
    cmd = [str(BIN / "flower-superlink"), "--host", "127.0.0.1", "--port", str(port),
           "--disable-runtime-dependency-installation", "--database", str(db)]  # fmt: skip
    if tls is None:
        return [*cmd, "--insecure"]
    return [*cmd, "--ssl-ca-certfile", str(tls.ca_cert), "--ssl-certfile", str(tls.server_cert),
            "--ssl-keyfile", str(tls.server_key)]  # fmt: skip


def supernode_cmd(
    hip: str, data_dir: Path, superlink: str, port: int, tls: certs.CertPaths | None, warm: bool = False,
    fast_poll: bool = False,
) -> list[str]:  # fmt: skip
    exe = [sys.executable, "-m", "federated.fast_supernode"] if fast_poll else [str(BIN / "flower-supernode")]
    cmd = [*exe, "--superlink", superlink, "--port", str(port),
           "--node-config", f'partition="{hip}" data-dir="{data_dir}"']  # fmt: skip
    if warm:  # no SuperExec of its own: federated.warm_exec serves its Runtime API (warm_exec_cmd)
        cmd += ["--isolation", "process"]
    return [*cmd, "--insecure"] if tls is None else [*cmd, "--root-certificates", str(tls.ca_cert)]


def warm_exec_cmd(port: int, supernode_pid: int) -> list[str]:
    """The SuperExec of a ``--isolation process`` SuperNode: forks ClientApps from a warm process."""
    return [sys.executable, "-m", "federated.warm_exec", "--runtime-api-address", f"127.0.0.1:{port}",
            "--parent-pid", str(supernode_pid)]  # fmt: skip


def write_connection(flwr_home: Path, address: str, tls: certs.CertPaths | None) -> str:
    """The ``flwr`` CLI's SuperLink connection ``qaid-demo`` in ``$FLWR_HOME/config.toml``."""
    flwr_home.mkdir(parents=True, exist_ok=True)
    conn = f'address = "{address}"\n'
    conn += "insecure = true\n" if tls is None else f'root-certificates = "{tls.ca_cert}"\n'
    text = f'[superlink]\ndefault = "qaid-demo"\n\n[superlink.qaid-demo]\n{conn}'
    (flwr_home / "config.toml").write_text(text)
    return "qaid-demo"


def write_simulation_connection(flwr_home: Path, nodes: int) -> str:
    """A local simulation connection ``qaid-sim``: Flower's simulation engine (Ray) with ``nodes``
    virtual SuperNodes, one CPU each (``client_fn`` maps each to a hospital folder)."""
    flwr_home.mkdir(parents=True, exist_ok=True)
    text = (
        '[superlink]\ndefault = "qaid-sim"\n\n[superlink.qaid-sim]\n'
        f"options.num-supernodes = {nodes}\n"
        "options.backend.client-resources.num-cpus = 1\n"
        "options.backend.client-resources.num-gpus = 0\n"
    )
    (flwr_home / "config.toml").write_text(text)
    return "qaid-sim"


def _override(values: dict[str, object]) -> str:
    def fmt(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        return f'"{v}"' if isinstance(v, str) else str(v)

    return " ".join(f"{k}={fmt(v)}" for k, v in values.items())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--work", type=Path, default=REPO_ROOT / "var" / "federated" / "demo")
    p.add_argument("--task", choices=["cascade", "segmentation"], default="cascade")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--scale", type=float, default=0.25, help="demo data size factor (1.0 = full)")
    p.add_argument("--port", type=int, default=9190, help="SuperLink port (SuperNodes use port+1..)")
    p.add_argument("--insecure", action="store_true", help="plain HTTP between SuperLink and SuperNodes")
    p.add_argument("--no-secagg", action="store_true")
    p.add_argument("--dp-noise", type=float, default=0.0, help="> 0: central DP noise multiplier")
    p.add_argument("--bundles-dir", type=Path, default=None, help="default: qaid.config bundles_dir")
    p.add_argument("--run-config", action="append", default=[], help="extra k=v overrides for flwr run")
    p.add_argument("--kill", default="", help="hospital whose SuperNode is killed mid-run")
    p.add_argument("--kill-after", type=float, default=60.0)
    p.add_argument("--fresh", action="store_true", help="ignore checkpoints of an earlier run")
    p.add_argument("--wait", type=float, default=7200.0, help="max seconds to wait for the run's summary")
    p.add_argument(
        "--executor",
        choices=["warm", "subprocess"],
        default="warm",
        help="warm: fork each ClientApp from a warm process (federated.warm_exec); "
        "subprocess: Flower's default, a fresh flwr-clientapp process per message",
    )
    p.add_argument(
        "--node-poll",
        type=float,
        default=0.2,
        help="SuperNode idle poll, s (federated.fast_supernode); 0: flower-supernode as is (3 s)",
    )
    p.add_argument(
        "--engine",
        choices=["deployment", "simulation"],
        default="deployment",
        help="deployment: SuperLink + SuperNodes over TLS (the default); simulation: Flower's "
        "simulation engine (Ray, virtual nodes) for quick experiments",
    )
    p.add_argument(
        "--timing",
        action="store_true",
        help="log each ClientApp message's timings to <work>/timing (see bench/)",
    )
    args = p.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))

    work = args.work.resolve()
    data_root = work / "data"
    if not (data_root / "partition.json").is_file():
        print(f"writing hospital data folders to {data_root}", flush=True)
        data.prepare(data_root, scale=args.scale)
    simulation = args.engine == "simulation"
    tls = None if args.insecure or simulation else certs.generate(work / "certs")
    env = _env(work / "flwr_home")
    env["FLWR_SUPERNODE_IDLE_POLL"] = str(args.node_poll)
    address = f"127.0.0.1:{args.port}"
    if simulation:
        conn = write_simulation_connection(work / "flwr_home", len(DEMO_HOSPITALS))
    else:
        conn = write_connection(work / "flwr_home", address, tls)
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(name: str, cmd: list[str]) -> None:
        out = (logs / f"{name}.log").open("wb")
        procs[name] = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=work,
                                       start_new_session=True)  # fmt: skip

    run_config = {"task": args.task, "num-server-rounds": args.rounds, "data-root": str(data_root),
                  "run-dir": str(work / "runs"), "secagg": not args.no_secagg,
                  "dp-noise-multiplier": args.dp_noise, "resume": not args.fresh}  # fmt: skip
    if args.bundles_dir:
        run_config["bundles-dir"] = str(args.bundles_dir.resolve())
    if args.timing:
        shutil.rmtree(work / "timing", ignore_errors=True)
        run_config["timing-log"] = str(work / "timing")
    try:
        if not simulation:
            db = work / "superlink.db"
            db.unlink(missing_ok=True)
            start("superlink", superlink_cmd(args.port, tls, db))
            time.sleep(4)
            warm, fast = args.executor == "warm", args.node_poll > 0
            for k, h in enumerate(DEMO_HOSPITALS, start=1):
                node = supernode_cmd(h.id, data_root / h.id, address, args.port + k, tls, warm, fast)
                start(f"supernode-{h.id}", node)
                if warm:
                    start(f"warm-exec-{h.id}", warm_exec_cmd(args.port + k, procs[f"supernode-{h.id}"].pid))
            time.sleep(4)
        dead = [name for name, proc in procs.items() if proc.poll() is not None]
        if dead:
            print(f"{', '.join(dead)} exited at start; see {logs}", flush=True)
            return 1
        if args.kill and not simulation:
            victim = procs[f"supernode-{args.kill}"]
            threading.Timer(args.kill_after, lambda: os.killpg(victim.pid, signal.SIGKILL)).start()
        cmd = [
            str(BIN / "flwr"),
            "run",
            str(REPO_ROOT / "federated"),
            conn,
            "--stream",
            "--run-config",
            _override(run_config),
        ]
        cmd += [a for c in args.run_config for a in ("--run-config", c)]
        print("$ " + " ".join(cmd), flush=True)
        t0 = time.time()
        rc = subprocess.run(cmd, env=env, cwd=work).returncode
        # `flwr run --stream` can return while the run still goes on (its log stream ends after a
        # few minutes): the ServerApp writes summary.json as its last step, so wait for that.
        summary = work / "runs" / args.task / "summary.json"
        while rc == 0 and not (summary.is_file() and summary.stat().st_mtime >= t0):
            link_died = "superlink" in procs and procs["superlink"].poll() is not None
            if time.time() - t0 > args.wait or link_died:
                print(f"no {summary} after {time.time() - t0:.0f} s: giving up", flush=True)
                rc = 1
                break
            time.sleep(2)
        print(f"flwr run finished with {rc} in {time.time() - t0:.1f} s; logs in {logs}", flush=True)
        return rc
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


if __name__ == "__main__":
    raise SystemExit(main())
