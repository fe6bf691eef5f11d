"""Benchmark of crmlab.quality's duplicate finder (chapter 7).

1. Scale: ~100,000 synthetic customer-master records (the shipped generator at scale 47.2,
   about 40,000 firms) through :func:`crmlab.quality.find_duplicates` (blocking, scoring,
   guarded clustering): wall time (median of ``--runs``), candidate pairs, and pairwise
   precision / recall / F1 against the generator's truth. References in the same process:
   comparing all n(n−1)/2 pairs without blocking (extrapolated at the measured time per
   candidate pair: it cannot be run), and the name similarity of the candidate pairs scored by
   a plain loop calling rapidfuzz once per pair versus one ``process.cpdist`` call.
2. Accuracy on a public benchmark: FEBRL dataset1 and dataset2 (person records with known
   duplicates, ``benchmarks/data/febrl``) through the same API with person fields. The
   threshold (0.6) was chosen on dataset1; dataset2 is out of sample.

Run: ``python benchmarks/bench_quality.py [--runs 3] [--scale 47.2]``; writes
``benchmarks/results/quality.md``. Numbers are noisy when other jobs share the cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import pandas as pd

from crmlab import quality as q
from crmlab.datasets._gen_customer_master import generate
from crmlab.datasets._registry import GENERATORS

HERE = Path(__file__).resolve().parent

#: FEBRL person fields: column → (comparator, weight); blocking keys for person records.
FEBRL_FIELDS = {
    "given_name": ("jaro_winkler", 1.0), "surname": ("jaro_winkler", 1.5),
    "street_number": ("exact", 0.5), "address_1": ("levenshtein", 1.0),
    "suburb": ("jaro_winkler", 0.7), "postcode": ("exact", 0.7), "state": ("exact", 0.3),
    "date_of_birth": ("levenshtein", 1.2), "soc_sec_id": ("levenshtein", 1.5),
}
FEBRL_BLOCKING = ["date_of_birth", "soc_sec_id", ("surname", 3), ("given_name", 3),
                  ("address_1", 6)]
FEBRL_THRESHOLD = 0.6


def load_febrl(name: str) -> tuple[pd.DataFrame, pd.Series]:
    df = pd.read_csv(HERE / "data" / "febrl" / f"{name}.csv", skipinitialspace=True, dtype=str)
    df.columns = [c.strip() for c in df.columns]
    truth = df["rec_id"].str.extract(r"rec-(\d+)-")[0]
    return df, pd.Series(truth.to_numpy(), index=df["rec_id"].to_numpy())


def febrl_rows() -> list[dict]:
    rows = []
    for name in ("dataset1", "dataset2"):
        records, truth = load_febrl(name)
        start = time.perf_counter()
        clusters = q.find_duplicates(records, fields=FEBRL_FIELDS, blocking=FEBRL_BLOCKING,
                                     id_fields=(), threshold=FEBRL_THRESHOLD, key="rec_id")
        seconds = time.perf_counter() - start
        result = q.evaluate_duplicates(clusters.set_index("rec_id")["cluster_id"], truth)
        rows.append({"data": f"FEBRL {name}", "records": len(records),
                     "candidate_pairs": clusters.attrs["candidate_pairs"],
                     "true_pairs": int(result["true_pairs"]), "precision": result["precision"],
                     "recall": result["recall"], "f1": result["f1"], "seconds": seconds})
    return rows


def synthetic(scale: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    tables: dict[str, list[pd.DataFrame]] = {}
    for table, chunk in generate(GENERATORS["customer_master"], scale):
        tables.setdefault(table, []).append(chunk)
    return (pd.concat(tables["customer_master"], ignore_index=True),
            pd.concat(tables["customer_master_truth"], ignore_index=True))


def reference_seconds(records: pd.DataFrame, sample: int = 20_000) -> tuple[float, float, int]:
    """Seconds of the per-pair Python loop vs cpdist for the name comparator, extrapolated."""
    from rapidfuzz import fuzz

    pairs = q.candidate_pairs(records)
    names = [q.normalize_company_name(v) or "" for v in records["company_name"]]
    part = pairs.sample(min(sample, len(pairs)), random_state=0)
    a = [names[i] for i in part["i"]]
    b = [names[j] for j in part["j"]]
    start = time.perf_counter()
    loop = [fuzz.ratio(x, y) for x, y in zip(a, b)]
    t_loop = time.perf_counter() - start
    start = time.perf_counter()
    vec = q.linkage._ratio(a, b)
    t_vec = time.perf_counter() - start
    assert all(abs(x / 100 - y) < 1e-6 for x, y in zip(loop, vec))  # same numbers
    factor = len(pairs) / len(part)
    return t_loop * factor, t_vec * factor, len(pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", type=float, default=47.2)
    args = parser.parse_args()

    start = time.perf_counter()
    records, truth = synthetic(args.scale)
    gen_seconds = time.perf_counter() - start
    times, cpu, clusters = [], [], None
    for _ in range(args.runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        clusters = q.find_duplicates(records)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    result = q.evaluate_duplicates(clusters, truth)
    t_loop, t_vec, n_pairs = reference_seconds(records)
    febrl = febrl_rows()

    n_all = len(records) * (len(records) - 1) // 2
    all_pairs_hours = statistics.median(times) / clusters.attrs["candidate_pairs"] * n_all / 3600
    machine = (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
               f", pandas {pd.__version__}")
    lines = [
        "# Duplicate finding (crmlab.quality) — benchmark", "",
        f"Machine: {machine}. Other jobs were sharing the cores, so times are noisy.", "",
        f"## {len(records):,} synthetic customer-master records (scale {args.scale})", "",
        "| measure | value |", "|---|---|",
        f"| records / true entities | {len(records):,} / {truth['entity_id'].nunique():,} |",
        f"| generation (not timed below) | {gen_seconds:.1f} s |",
        f"| find_duplicates, median of {args.runs} | {statistics.median(times):.1f} s "
        f"(runs: {', '.join(f'{t:.1f}' for t in times)}) |",
        f"| find_duplicates CPU time of this process, median (what a quiet machine would "
        f"need, roughly) | {statistics.median(cpu):.1f} s |",
        f"| candidate pairs (blocking) | {clusters.attrs['candidate_pairs']:,} "
        f"(all pairs would be {len(records) * (len(records) - 1) // 2:,}) |",
        f"| matched pairs / refused merges | {clusters.attrs['matched_pairs']:,} / "
        f"{clusters.attrs['refused_merges']:,} |",
        f"| records in oversized blocks (not compared on that key) | {clusters.attrs['excluded'].excluded} |",
        f"| precision / recall / F1 | {result['precision']:.4f} / {result['recall']:.4f} / "
        f"{result['f1']:.4f} |",
        f"| reference: comparing all pairs without blocking, extrapolated at the measured "
        f"time per candidate pair | {all_pairs_hours:,.0f} h (ratio "
        f"{all_pairs_hours * 3600 / statistics.median(times):,.0f}×) |",
        f"| name similarity of all {n_pairs:,} pairs: per-pair Python loop vs cpdist "
        f"(extrapolated from 20,000) | {t_loop:.2f} s vs {t_vec:.2f} s "
        f"(ratio {t_loop / t_vec:.1f}×) |", "",
        "## FEBRL (public person-record benchmark), same API, person fields", "",
        f"Threshold {FEBRL_THRESHOLD} chosen on dataset1; dataset2 is out of sample.", "",
        "| data | records | candidate pairs | true pairs | precision | recall | F1 | seconds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in febrl:
        lines.append(f"| {r['data']} | {r['records']:,} | {r['candidate_pairs']:,} | "
                     f"{r['true_pairs']:,} | {r['precision']:.4f} | {r['recall']:.4f} | "
                     f"{r['f1']:.4f} | {r['seconds']:.2f} |")
    lines += ["", "For comparison (NOTES.md): recordlinkage's documented FEBRL pattern reaches "
              "F1 ≈ 0.78 on dataset1; tuned multi-key blocking ≈ 0.997."]
    text = "\n".join(lines) + "\n"
    out = HERE / "results" / "quality.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
