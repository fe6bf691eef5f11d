"""Benchmark: crmlab.basket (vectorised Apriori on bit vectors) against mlxtend's FP-growth.

Run: ``python benchmarks/bench_basket.py`` (needs the ``bench`` extra: mlxtend). Data: 100,000
synthetic baskets over 200 items (popularity falling like a Zipf law, some items bought in
groups), at 1 % minimum support, in two densities (about 6 and about 17 items a basket). Each
implementation runs several times in this process; the table shows medians. Both results are
checked to hold the same itemsets with the same supports before anything is timed.
Writes ``benchmarks/results/basket.md``.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from crmlab import basket

N_BASKETS, N_ITEMS, MIN_SUPPORT, MIN_CONFIDENCE, REPEATS = 100_000, 200, 0.01, 0.3, 3


def make_baskets(mean_size: float, seed: int = 7) -> pd.DataFrame:
    """One-hot baskets: Zipf-like item popularity plus 20 groups of 3–5 items bought together."""
    rng = np.random.default_rng(seed)
    popularity = 1 / np.arange(1, N_ITEMS + 1) ** 0.8
    popularity /= popularity.sum()
    sizes = rng.poisson(mean_size * 0.75, size=N_BASKETS) + 1
    rows = np.repeat(np.arange(N_BASKETS), sizes)
    cols = rng.choice(N_ITEMS, size=len(rows), p=popularity)
    matrix = np.zeros((N_BASKETS, N_ITEMS), dtype=bool)
    matrix[rows, cols] = True
    for _ in range(20):
        group = rng.choice(N_ITEMS, size=int(rng.integers(3, 6)), replace=False)
        takers = rng.random(N_BASKETS) < mean_size / 200
        for item in group:
            matrix[takers & (rng.random(N_BASKETS) < 0.8), item] = True
    return pd.DataFrame(matrix, columns=[f"item{i:03d}" for i in range(N_ITEMS)])


def timed(fn, repeats: int = REPEATS) -> tuple[float, float, object]:
    """Median wall-clock and median CPU seconds of ``repeats`` calls, and the last result.

    CPU time is reported too because other jobs share the machine: wall-clock time then
    measures the load as much as the code."""
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def main() -> None:
    from mlxtend.frequent_patterns import association_rules as mx_rules
    from mlxtend.frequent_patterns import fpgrowth

    rows = []
    for label, mean_size in (("sparse", 6.0), ("dense", 17.0)):
        df = make_baskets(mean_size)
        items_per_basket = df.sum(axis=1).mean()
        # same itemsets, same supports (checked once, outside the timings)
        ours = basket.frequent_itemsets(df, min_support=MIN_SUPPORT)
        theirs = fpgrowth(df, min_support=MIN_SUPPORT)
        a = dict(zip(ours["itemset"].map(frozenset), ours["support"], strict=True))
        b = {frozenset(df.columns[list(s)]): v for s, v in zip(theirs["itemsets"], theirs["support"],
                                                                strict=True)}
        assert a.keys() == b.keys() and all(abs(a[k] - b[k]) < 1e-12 for k in a), "itemsets differ"
        reps = REPEATS if label == "sparse" else 1
        w_ours, c_ours, _ = timed(lambda: basket.frequent_itemsets(df, min_support=MIN_SUPPORT), reps)
        w_fp, c_fp, itemsets = timed(lambda: fpgrowth(df, min_support=MIN_SUPPORT), reps)
        w_rules, c_rules, rules = timed(lambda: basket.association_rules(
            df, min_support=MIN_SUPPORT, min_confidence=MIN_CONFIDENCE), reps)
        # mlxtend's rules step on the itemsets already mined (its total = fpgrowth + this)
        w_mx, c_mx, mx = timed(lambda: mx_rules(itemsets, metric="confidence",
                                                min_threshold=MIN_CONFIDENCE), reps)
        assert len(rules) == len(mx), f"rule counts differ: {len(rules)} vs {len(mx)}"
        rows.append({"data": label, "items/basket": round(float(items_per_basket), 1),
                     "runs": reps, "itemsets": len(ours), "rules": len(rules),
                     "crmlab itemsets s": round(w_ours, 2), "mlxtend fpgrowth s": round(w_fp, 2),
                     "ratio wall": round(w_ours / w_fp, 3), "ratio cpu": round(c_ours / c_fp, 3),
                     "crmlab rules s": round(w_rules, 2),
                     "mlxtend fpgrowth+rules s": round(w_fp + w_mx, 2),
                     "rules ratio wall": round(w_rules / (w_fp + w_mx), 3),
                     "rules ratio cpu": round(c_rules / (c_fp + c_mx), 3)})
        print(rows[-1], flush=True)
        write_results(rows)  # after each dataset, so a cut-short run still leaves its numbers


def write_results(rows: list[dict]) -> None:
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    import mlxtend

    machine = (f"{platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
               f"numpy {np.__version__}, pandas {pd.__version__}, mlxtend {mlxtend.__version__}")
    text = [
        "# Association rules: crmlab.basket vs mlxtend FP-growth",
        "",
        f"{N_BASKETS:,} baskets × {N_ITEMS} items, min_support {MIN_SUPPORT}, "
        f"min_confidence {MIN_CONFIDENCE}; medians of {REPEATS} runs (1 run for dense), same process.",
        f"Machine: {machine}. Other jobs shared the 2 cores (1-minute load average "
        f"{os.getloadavg()[0]:.1f} when this was written),",
        "so wall-clock seconds are inflated and noisy; the CPU-time ratios are the fairer comparison.",
        "Both implementations were checked to find identical itemsets, supports and rule counts.",
        "",
        table.to_markdown(index=False) if _has_tabulate() else "```\n" + table.to_string(index=False) + "\n```",
        "",
    ]
    out = Path(__file__).parent / "results" / "basket.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(text), encoding="utf-8")
    print(f"wrote {out}")


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
