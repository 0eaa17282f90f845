"""The benchmark's outputs: a JSON report, a PNG chart (p99 against corpus size) and a
plain-text table for the terminal and the README."""
from __future__ import annotations

import json
from pathlib import Path

TARGETS = {  # p99 in ms, from the scale issue
    "search_p99_1M": 2.0, "answer_p99_100k": 5.0, "answer_p99_1M": 10.0, "answer_over_bare": 3.0,
    "rebuild_seconds_1M": 30.0, "serve_rss_mb_1M": 512.0, "seed_ingest_ms": 100.0, "ingest_passages_per_s": 2000.0,
}


def write_json(report: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, default=str) + "\n", encoding="utf-8")


def table(runs: list[dict]) -> str:
    head = ("backend", "passages", "ingest p/s", "rebuild s", "db MB", "index MB", "RSS MB",
            "bare p99", "search p50/p95/p99", "answer p50/p95/p99", "answer/bare", "CPU ms search/answer",
            "1 client req/s", "2 clients req/s", "load")
    rows = [head]
    for r in runs:
        if "error" in r:
            rows.append((r["backend"], f"{r['size']:,}", "error: " + r["error"][:60]) + ("",) * (len(head) - 3))
            continue
        s, a, b = r["search_ms"], r["answer_ms"], r["bare_engine_ms"]
        rows.append((
            r["backend"], f"{r['passages']:,}", f"{r['ingest_passages_per_s']:,}", f"{r['rebuild_seconds']}",
            f"{r['db_mb']}", f"{r['index_mb']}", f"{r['serve_rss_mb']}", f"{b['p99']}",
            f"{s['p50']}/{s['p95']}/{s['p99']}", f"{a['p50']}/{a['p95']}/{a['p99']}",
            f"{a['p99'] / b['p99']:.1f}x" if b["p99"] else "-", f"{r['search_cpu_ms']}/{r['answer_cpu_ms']}",
            f"{r['clients_1']['per_second']}", f"{r['clients_2']['per_second']}", f"{r['load_average'][0]:.1f}"))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(head))]
    lines = [" | ".join(str(c).ljust(w) for c, w in zip(row, widths)) for row in rows]
    lines.insert(1, "-|-".join("-" * w for w in widths))
    return "\n".join(lines)


def chart(runs: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display on a server
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    good = [r for r in runs if "error" not in r]
    styles = {"sqlite": "-", "postgresql": "--"}
    for backend in sorted({r["backend"] for r in good}):
        points = sorted((r["passages"], r) for r in good if r["backend"] == backend)
        xs = [p for p, _ in points]
        for key, label, marker, colour in (("answer_ms", "whole answer", "o", "tab:red"),
                                           ("search_ms", "search alone", "s", "tab:blue"),
                                           ("bare_engine_ms", "bare tantivy", "^", "tab:green")):
            ax.plot(xs, [r[key]["p99"] for _, r in points], styles.get(backend, ":"), marker=marker, color=colour,
                    label=f"{label} ({backend})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("passages in the corpus")
    ax.set_ylabel("p99 latency (ms)")
    ax.set_title("Counterpoint /lookup p99 against corpus size (2 cores)")
    for y, label in ((2, "search target at 1M"), (5, "answer target at 100k"), (10, "answer target at 1M")):
        ax.axhline(y, color="grey", linewidth=0.6, linestyle=":")
        ax.text(ax.get_xlim()[0] if xs else 1, y, f" {label}", fontsize=7, va="bottom", color="grey")
    ax.grid(True, which="both", linewidth=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def verdicts(runs: list[dict]) -> list[str]:
    """One line per target: measured value, target, pass/fail."""
    out = []
    for r in runs:
        if "error" in r:
            continue
        tag = f"{r['backend']} {r['passages']:,}"
        ratio = r["answer_ms"]["p99"] / r["bare_engine_ms"]["p99"] if r["bare_engine_ms"]["p99"] else 0
        checks = [("answer within 3x of bare engine", ratio, TARGETS["answer_over_bare"]),
                  ("seed ingest ms", r["seed_ingest_ms"], TARGETS["seed_ingest_ms"])]
        checks.append(("bulk ingest passages/s (>=)", -r["ingest_passages_per_s"], -TARGETS["ingest_passages_per_s"]))
        if r["passages"] >= 1_000_000:
            checks += [("search p99 ms", r["search_ms"]["p99"], TARGETS["search_p99_1M"]),
                       ("answer p99 ms", r["answer_ms"]["p99"], TARGETS["answer_p99_1M"]),
                       ("rebuild s", r["rebuild_seconds"], TARGETS["rebuild_seconds_1M"]),
                       ("serving RSS MB", r["serve_rss_mb"], TARGETS["serve_rss_mb_1M"])]
        elif r["passages"] >= 100_000:
            checks.append(("answer p99 ms", r["answer_ms"]["p99"], TARGETS["answer_p99_100k"]))
        for name, value, target in checks:
            ok = value <= target
            out.append(f"{'PASS' if ok else 'FAIL'} {tag}: {name} = {abs(value):g} (target {abs(target):g})")
    return out
