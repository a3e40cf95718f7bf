"""Evidence for federated training: centralized vs each hospital alone vs FedAvg, same budget.

For each task (labeler cascade, U-Net segmentation), on the demo's non-IID hospital folders:

* centralized: one model trained on the union of the three hospitals' training data,
* alone: one model per hospital on its own training data,
* FedAvg: the real ServerApp/ClientApp (SecAgg+ on) run in-process (:mod:`federated.inprocess`)
  with the run config's algorithm: SCAFFOLD-corrected local steps (``scaffold``), server momentum
  on the aggregate (``server-momentum``) and BN statistics of the global weights (``bn-calibrate``).

**Same budget, same recipe.** Every arm runs ``R`` rounds of ``E`` local epochs over its own data
(``--rounds`` R, ``--local-epochs`` E): a round is :func:`federated.task.train` — a fresh AdamW at
the constant LR ``lr × lr_factor(round)`` (the run config's ``lr-schedule``, identical for all arms),
same batch size, same per-round shuffle seeds, then one no-grad pass over the arm's training data
for the BatchNorm statistics (FedAvg: over all hospitals, on the global weights) — so every
training image is seen R×E times in every arm, and FedAvg does exactly the work of centralized
training, split over the hospitals (SCAFFOLD adds no passes; momentum is server arithmetic).
Every arm is evaluated after every round on the server's held-out test split (never trained on,
not used to pick anything).

Bars (on the **final** round, no checkpoint picking): FedAvg ≥ 0.97 × centralized, and FedAvg
better than every hospital alone (each at its best round). Writes ``evidence.md``,
``evidence.json`` and ``evidence.png`` (metric per round, all arms).

Flower overhead: in-process (no transport) it is round time minus time inside ClientApps. On the
real deployment engine use ``python -m federated.run_demo --timing`` and pass its work dir with
``--deployment label=DIR``: each ClientApp message is logged (process start, app start, app end)
and a round is split into ClientApp work, process start and polling/transport.

    PYTHONPATH=. .venv/bin/python bench/federated_evidence.py --out var/federated/evidence

Sizes: ``--scale`` and ``--data-seed`` (demo data and partition), ``--rounds``, ``--local-epochs``,
``--set k=v`` (any run-config knob, e.g. ``cascade-blocks=6,12,24,16`` for a full DenseNet121),
``--tasks``, ``--threads``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import torch

from federated import task
from federated.data import load_local, prepare, read_split
from federated.inprocess import default_run_config, run_inprocess
from ml.demo_data import Split

HOSPITALS = ["herastrau", "cismigiu", "titan"]
Result = dict[str, Any]


def union(splits: list[Split]) -> Split:
    out = Split()
    for s in splits:
        out.images += s.images
        out.labels += s.labels
        out.findings += s.findings
    return out


def train_rounds(
    cfg: task.FedTaskConfig, data: dict[str, Split], test: Split, rounds: int, name: str
) -> Result:
    """One arm without Flower: ``rounds`` × ``cfg.local_epochs`` with the FedAvg clients' recipe."""
    t0 = time.perf_counter()
    job = task.make_job(cfg, data)
    curve, steps = [], 0.0
    for r in range(1, rounds + 1):
        stats = task.train(job, cfg.local_epochs, task.round_seed(cfg, r, name), 0.0,
                           task.lr_factor(cfg.lr_schedule, r, rounds), cfg.bn_calibrate)  # fmt: skip
        steps += stats["train_steps"]
        curve.append(task.evaluate_split(cfg, job.model, test)[cfg.primary])
    return {"curve": curve, "n_train": job.n, "images_seen": job.n * cfg.local_epochs * rounds,
            "steps": steps, "seconds": time.perf_counter() - t0}  # fmt: skip


def bench_task(name: str, rc: dict, data_root: Path, rounds: int, local_epochs: int, out: Path) -> Result:
    rc = {**rc, "task": name, "num-server-rounds": rounds, "local-epochs": local_epochs,
          "run-dir": str(out / "runs"), "bundles-dir": str(out / "bundles"), "resume": False,
          "notify-hips": False, "publish": False}  # fmt: skip
    cfg = task.FedTaskConfig.from_run_config(rc)
    test = read_split(data_root / "_server" / "test.npz")
    local = {h: load_local(data_root / h) for h in HOSPITALS}
    t_task = time.perf_counter()
    res: Result = {"task": name, "metric": cfg.primary, "rounds": rounds, "local_epochs": local_epochs,
                   "lr": cfg.lr, "lr_schedule": cfg.lr_schedule, "batch": cfg.batch,
                   "bn_calibrate": cfg.bn_calibrate, "server_momentum": float(rc["server-momentum"]),
                   "secagg": bool(rc["secagg"])}  # fmt: skip
    pooled = {k: union([local[h][k] for h in HOSPITALS]) for k in ("train", "val")}
    print(f"[{name}] centralized ...", flush=True)
    res["centralized"] = train_rounds(cfg, pooled, test, rounds, "centralized")
    res["alone"] = {}
    for h in HOSPITALS:
        print(f"[{name}] {h} alone ...", flush=True)
        res["alone"][h] = train_rounds(cfg, local[h], test, rounds, h)
    print(f"[{name}] FedAvg (SecAgg+, in-process) ...", flush=True)
    t0 = time.perf_counter()
    summary, grid = run_inprocess(rc, data_root, HOSPITALS)
    wall = time.perf_counter() - t0
    hist = summary["history"]
    n_fed = sum(res["alone"][h]["n_train"] for h in HOSPITALS)
    res["fedavg"] = {"curve": hist[f"server_{cfg.primary}"], "n_train": n_fed,
                     "images_seen": n_fed * local_epochs * rounds, "seconds": wall}  # fmt: skip
    rs = summary["round_seconds"]
    res["round_seconds_mean"] = sum(rs) / len(rs)
    res["client_seconds_per_round"] = grid.client_seconds / len(rs)
    res["flower_overhead_per_round"] = res["round_seconds_mean"] - res["client_seconds_per_round"]
    fed, central = res["fedavg"]["curve"][-1], res["centralized"]["curve"][-1]
    best_alone = {h: max(res["alone"][h]["curve"]) for h in HOSPITALS}
    res["ratio_final"] = fed / max(central, 1e-9)
    res["bar_vs_central"] = fed >= 0.97 * central
    res["bar_vs_alone"] = all(fed > v for v in best_alone.values())
    res["wall_seconds"] = time.perf_counter() - t_task
    return res


def table(results: list[Result]) -> str:
    head = ("| task | metric | R×E | centralized | " + " | ".join(f"{h} alone (best)" for h in HOSPITALS)
            + " | FedAvg (best) | FedAvg / centralized | ≥ 0.97× | > every alone (best) |")  # fmt: skip
    lines = [head, "|---" * (9 + len(HOSPITALS)) + "|"]

    def cell(c: list[float]) -> str:
        return f"{c[-1]:.3f} ({max(c):.3f})"

    for r in results:
        alone = " | ".join(cell(r["alone"][h]["curve"]) for h in HOSPITALS)
        ok = {True: "yes", False: "**no**"}
        lines.append(
            f"| {r['task']} | {r['metric']} | {r['rounds']}×{r['local_epochs']} | "
            f"{cell(r['centralized']['curve'])} | {alone} | {cell(r['fedavg']['curve'])} | "
            f"{r['ratio_final']:.3f} | {ok[r['bar_vs_central']]} | {ok[r['bar_vs_alone']]} |"
        )
    return "\n".join(lines)


def budget_table(results: list[Result]) -> str:
    lines = ["| task | arm | training images | images seen (= images × R × E) | SGD steps | wall s |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for r in results:
        arms = [("centralized", r["centralized"])] + [(f"{h} alone", r["alone"][h]) for h in HOSPITALS]
        arms.append(("FedAvg (sum over hospitals)", r["fedavg"]))
        for label, a in arms:
            steps = f"{a['steps']:.0f}" if "steps" in a else "same as the 3 alone arms"
            lines.append(f"| {r['task']} | {label} | {a['n_train']} | {a['images_seen']} | {steps} | "
                         f"{a['seconds']:.0f} |")  # fmt: skip
    return "\n".join(lines)


def inprocess_overhead_table(results: list[Result]) -> str:
    lines = ["| task | round s (in-process) | inside ClientApps s | Flower in-process overhead s |",
             "|---|---|---|---|"]  # fmt: skip
    for r in results:
        lines.append(f"| {r['task']} | {r['round_seconds_mean']:.1f} | {r['client_seconds_per_round']:.1f} | "
                     f"{r['flower_overhead_per_round']:.2f} |")  # fmt: skip
    return "\n".join(lines)


def deployment_overhead(work: Path) -> Result:
    """Split each round of a ``run_demo --timing`` run into ClientApp work, process start and the rest.

    Per exchange (a round has 2 × 4 SecAgg+ fit stages — training, BN statistics — + 1 evaluation,
    or 2 fits + 1 evaluation without SecAgg+) the critical path is the slowest node; its process
    start is the time from the ClientApp process start (a fresh ``flwr-clientapp``, or a fork of
    :mod:`federated.warm_exec`) to the message reaching the ClientApp (interpreter, imports, FAB
    install, pulling the message), its work the time inside the ClientApp. What is left of the
    server's round time is polling and transport (SuperNode/SuperExec/ServerApp polling, TLS
    round trips) plus the server's own aggregation and central evaluation (``server_eval_seconds``).
    """
    summaries = list((work / "runs").glob("*/summary.json"))
    if summaries:
        summary = json.loads(summaries[0].read_text())
    else:  # a run stopped early: the per-round checkpoint has the finished rounds
        lasts = list((work / "runs").glob("*/last.pt"))
        if not lasts:
            raise FileNotFoundError(f"{work}/runs: run federated.run_demo --timing first")
        state = torch.load(lasts[0], weights_only=False)
        summary = {"task": lasts[0].parent.name, "secagg": True, "round_seconds": state["round_seconds"],
                   "history": state["history"]}  # fmt: skip
    groups: dict[tuple[str, str, str, int], list[dict]] = defaultdict(list)
    for f in (work / "timing").glob("*.jsonl"):
        seen: dict[tuple[str, str, str], int] = defaultdict(int)
        for line in f.read_text().splitlines():
            m = json.loads(line)
            key = (m["round"], m["type"], m["stage"])
            groups[(*key, seen[key])].append(m)  # the n-th such message of this node in this round
            seen[key] += 1
    per_round: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    starts = []
    for (rnd, *_), msgs in groups.items():
        pr = per_round[rnd]
        pr["exchanges"] += 1
        pr["messages"] += len(msgs)
        pr["start_cp"] += max(m["called"] - m["process_start"] for m in msgs)
        pr["work_cp"] += max(m["done"] - m["called"] for m in msgs)
        starts += [m["called"] - m["process_start"] for m in msgs]
    rounds = summary["round_seconds"]
    server_eval = summary["history"].get("server_eval_seconds", [0.0] * len(rounds))
    rows = []
    for k, sec in enumerate(rounds, start=1):
        pr = per_round.get(str(k), {})
        se = server_eval[k - 1] if k - 1 < len(server_eval) else 0.0
        work, start = pr.get("work_cp", 0.0), pr.get("start_cp", 0.0)
        rows.append({"round": k, "round_s": sec, "exchanges": pr.get("exchanges", 0),
                     "messages": pr.get("messages", 0), "clientapp_work_s": work, "process_start_s": start,
                     "server_eval_s": se, "polling_transport_s": sec - work - start - se})  # fmt: skip
    mean = {k: sum(r[k] for r in rows) / len(rows) for k in rows[0] if k != "round"}
    mean["flower_overhead_s"] = mean["process_start_s"] + mean["polling_transport_s"]
    mean["process_start_per_message_s"] = sum(starts) / max(1, len(starts))
    return {"work": str(work), "task": summary["task"], "secagg": summary["secagg"], "rounds": rows,
            "mean": mean}  # fmt: skip


def deployment_table(deps: dict[str, Result]) -> str:
    lines = ["| run | task | round s | ClientApp work s | process start s (per message) | "
             "polling + transport s | server eval s | Flower overhead s/round | overhead share |",
             "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for label, d in deps.items():
        m = d["mean"]
        lines.append(
            f"| {label} | {d['task']}{' + SecAgg+' if d['secagg'] else ''} | {m['round_s']:.1f} | "
            f"{m['clientapp_work_s']:.1f} | {m['process_start_s']:.1f} "
            f"({m['process_start_per_message_s']:.1f}) | "
            f"{m['polling_transport_s']:.1f} | {m['server_eval_s']:.1f} | {m['flower_overhead_s']:.1f} | "
            f"{m['flower_overhead_s'] / m['round_s']:.0%} |"
        )
    return "\n".join(lines)


def plot(results: list[Result], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(6.5 * len(results), 4.5), squeeze=False)
    for ax, r in zip(axes[0], results, strict=True):
        x = list(range(1, r["rounds"] + 1))
        ax.plot(x, r["fedavg"]["curve"], "o-", color="C0", lw=2, label="FedAvg (SecAgg+)")
        ax.plot(x, r["centralized"]["curve"], "s-", color="k", label="centralized (union)")
        bar = 0.97 * r["centralized"]["curve"][-1]
        ax.axhline(bar, color="k", ls=":", label="0.97 × centralized (final)")
        for k, h in enumerate(HOSPITALS):
            ax.plot(x, r["alone"][h]["curve"], "-.", lw=1, color=f"C{k + 1}", label=f"{h} alone")
        ax.set(title=f"{r['task']}: {r['rounds']} rounds × {r['local_epochs']} local epoch(s)",
               xlabel="round (each arm: E epochs over its data per round)", ylabel=f"test {r['metric']}",
               ylim=(0, 1.02))  # fmt: skip
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=Path("var/federated/evidence"))
    p.add_argument("--scale", type=float, default=0.25, help="demo data size factor")
    p.add_argument("--data-seed", type=int, default=0, help="demo data and partition seed")
    p.add_argument("--rounds", default="cascade=15,segmentation=30", help="R per task (task=R,...) or one R")
    p.add_argument("--local-epochs", type=int, default=1, help="E: local epochs per round (every arm)")
    p.add_argument("--tasks", default="cascade,segmentation")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--set", action="append", default=[], help="run-config override k=v (e.g. lr=0.003)")
    p.add_argument(
        "--deployment",
        action="append",
        default=[],
        help="label=DIR of a finished `federated.run_demo --timing` run (repeatable)",
    )
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    torch.set_num_threads(args.threads)
    out = args.out.resolve()
    data_root = out / "data"
    part = data_root / "partition.json"
    if not part.is_file() or json.loads(part.read_text()) | {"sizes": 0} != {
        "seed": args.data_seed, "scale": args.scale, "sizes": 0}:  # fmt: skip
        prepare(data_root, seed=args.data_seed, scale=args.scale)
    rc = default_run_config()
    rc["data-root"] = str(data_root)
    for kv in args.set:
        k, v = kv.split("=", 1)
        rc[k] = type(rc[k])(v) if not isinstance(rc[k], bool) else v.lower() == "true"
    rounds = dict(kv.split("=") for kv in args.rounds.split(",")) if "=" in args.rounds else {}
    deps = {lab: deployment_overhead(Path(d)) for lab, d in (kv.split("=", 1) for kv in args.deployment)}
    results = [bench_task(t, rc, data_root, int(rounds.get(t, args.rounds if not rounds else 10)),
                          args.local_epochs, out / t) for t in args.tasks.split(",")]  # fmt: skip
    sizes = json.loads((data_root / "partition.json").read_text())
    wall = time.perf_counter() - t0
    r0 = results[0]
    per_task = ", ".join(f"{r['task']} {r['wall_seconds']:.0f} s" for r in results)
    md = [f"Data: demo scale {sizes['scale']}, seed {sizes['seed']}, images per hospital {sizes['sizes']}.",
          f"Recipe: lr {r0['lr']} ({r0['lr_schedule']} per round), batch {r0['batch']}, BN calibration "
          f"{'on' if r0['bn_calibrate'] else 'off'}; FedAvg: SecAgg+ {'on' if r0['secagg'] else 'off'}, "
          f"server momentum {r0['server_momentum']:g}. Wall time {wall:.0f} s "
          f"({per_task}; {args.threads} torch thread(s)).",
          "", "Test metric after the final round (best round in brackets):", "", table(results), "",
          "Budget (every arm: R rounds × E local epochs, same per-round recipe):", "",
          budget_table(results), "", "In-process round time (no transport, no process start):", "",
          inprocess_overhead_table(results)]  # fmt: skip
    if deps:
        md += ["", "Deployment engine (SuperLink + 3 SuperNodes, TLS, SecAgg+), mean per round:", "",
               deployment_table(deps)]  # fmt: skip
    text = "\n".join(md)
    (out / "evidence.md").write_text(text + "\n")
    record = {"results": results, "deployment": deps, "wall_seconds": wall, "partition": sizes}
    (out / "evidence.json").write_text(json.dumps(record, indent=2))
    plot(results, out / "evidence.png")
    print(text)
    for r in results:
        print(f"{r['task']}: FedAvg >= 0.97 x centralized: {r['bar_vs_central']}; "
              f"better than every hospital alone: {r['bar_vs_alone']}")  # fmt: skip
    print(f"wall time {wall:.0f} s")
    return 0 if all(r["bar_vs_central"] and r["bar_vs_alone"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
