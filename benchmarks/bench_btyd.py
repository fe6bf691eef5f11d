"""Benchmark: crmlab's customer-base models vs lifetimes' fitters on the same data.

Run: ``python benchmarks/bench_btyd.py [--n 1000000] [--models bg,mbg,pareto,bgbb]`` (from the
repository root). For every model lifetimes also has — BG/NBD, MBG/NBD, Pareto/NBD, BG/BB — it
fits

* the published example (CDNOW calibration summary, 2,357 customers; for BG/BB the 11,104
  donors, one row each), and
* ``--n`` synthetic customers (default 1,000,000) simulated from the published parameters
  (continuous models: first purchases spread over the first 12 weeks, calendar days, 39-week
  calibration period, like CDNOW; BG/BB: 6 yearly opportunities, like the donations),

timing the median of several fits (data preparation included, file reading excluded). The
reference, lifetimes 0.11.3, needs numpy < 2 and pandas < 2, so it runs in its own virtual
environment, started by this script (same benchmark run, same data file); point
``LIFETIMES_PYTHON`` at that environment's python (default ``/tmp/lifetimes-venv/bin/python``;
create it with ``python3 -m venv /tmp/lifetimes-venv && /tmp/lifetimes-venv/bin/pip install
"numpy<2" "pandas<2" "scipy<1.12" lifetimes==0.11.3``). Without it only crmlab is timed.

Writes ``benchmarks/results/btyd.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

from crmlab import btyd
from crmlab.datasets import load_dataset

ROOT = Path(__file__).resolve().parent
LIFETIMES_PYTHON = os.environ.get("LIFETIMES_PYTHON", "/tmp/lifetimes-venv/bin/python")
DONATIONS = ROOT.parent / "tests" / "data" / "donations" / "donations.csv"

# model key: (crmlab class, lifetimes class, column names, published parameters)
MODELS = {
    "bg": (btyd.BetaGeoModel, "BetaGeoFitter", ("frequency", "recency", "T"),
           {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}),
    "mbg": (btyd.ModifiedBetaGeoModel, "ModifiedBetaGeoFitter", ("frequency", "recency", "T"),
            {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}),
    "pareto": (btyd.ParetoNBDModel, "ParetoNBDFitter", ("frequency", "recency", "T"),
               {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}),
    "bgbb": (btyd.BetaGeoBetaBinomModel, "BetaGeoBetaBinomFitter",
             ("frequency", "recency", "periods"),
             {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}),
}

LIFETIMES_SCRIPT = textwrap.dedent("""
    import json, sys, time, warnings
    warnings.simplefilter("ignore")
    import numpy as np, pandas as pd, lifetimes
    fitter = getattr(lifetimes, sys.argv[3])
    data = np.load(sys.argv[1])
    runs = int(sys.argv[2])
    columns = sys.argv[4].split(",")
    times, params = [], None
    for _ in range(runs):
        start = time.perf_counter()
        model = fitter().fit(*(pd.Series(data[c]) for c in columns))
        times.append(time.perf_counter() - start)
        params = {k: float(v) for k, v in model.params_.items()}
    print(json.dumps({"times": times, "params": params, "version": lifetimes.__version__,
                      "numpy": np.__version__, "pandas": pd.__version__}))
""")


def simulate(key: str, n: int, seed: int = 2024) -> pd.DataFrame:
    cls, _, _, params = MODELS[key]
    model = cls()
    model.params_ = dict(params)
    if key == "bgbb":
        return model.simulate(n, periods=6, random_state=seed)
    rng = np.random.default_rng(seed)
    first_day = rng.integers(0, 84, n)  # first purchase in the first 12 weeks
    sim = model.simulate(n, T=(273 - first_day) / 7.0, random_state=seed + 1)
    # purchases happen on calendar days: round recency to whole days as real data would be
    sim["recency"] = np.minimum(np.round(sim["recency"] * 7) / 7, sim["T"])
    return sim


def published_data(key: str) -> pd.DataFrame:
    if key != "bgbb":
        return load_dataset("cdnow_summary")
    patterns = pd.read_csv(DONATIONS)
    return patterns.loc[patterns.index.repeat(patterns["weights"])].reset_index(drop=True)


def time_crmlab(key: str, data: pd.DataFrame, runs: int) -> tuple[list[float], dict]:
    cls, _, columns, _ = MODELS[key]
    arrays = [data[c].to_numpy(float) for c in columns]
    times, params = [], {}
    for _ in range(runs):
        start = time.perf_counter()
        model = cls().fit(*arrays)
        times.append(time.perf_counter() - start)
        params = model.params_
    return times, params


def time_lifetimes(key: str, path: Path, runs: int, timeout: float) -> dict | None:
    if not Path(LIFETIMES_PYTHON).exists():
        return None
    _, fitter, columns, _ = MODELS[key]
    try:
        done = subprocess.run([LIFETIMES_PYTHON, "-c", LIFETIMES_SCRIPT, str(path), str(runs),
                               fitter, ",".join(columns)],
                              capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout:.0f} s"}
    except subprocess.CalledProcessError as exc:
        return {"error": exc.stderr.strip().splitlines()[-1] if exc.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def same_digits(a: dict, b: dict, digits: int = 4) -> bool:
    return all(f"{a[k]:.{digits - 1}e}" == f"{b[k]:.{digits - 1}e}" for k in a)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="synthetic customers")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated keys")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per lifetimes run")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for key in args.models.split(","):
            cases = {"published data": (published_data(key), 5, 3),
                     f"synthetic ({args.n:,} customers)": (simulate(key, args.n), 3, 1)}
            for name, (data, runs, ref_runs) in cases.items():
                path = Path(tmp) / "data.npz"
                np.savez(path, **{c: data[c].to_numpy(float) for c in MODELS[key][2]})
                ours, ours_params = time_crmlab(key, data, runs)
                ref = time_lifetimes(key, path, ref_runs, timeout=args.timeout)
                row = {"model": MODELS[key][0].__name__, "data": name,
                       "crmlab_s": statistics.median(ours), "crmlab_runs": runs,
                       "params": ours_params}
                if ref and "times" in ref:
                    row.update(lifetimes_s=statistics.median(ref["times"]), lifetimes_runs=ref_runs,
                               lifetimes_params=ref["params"], lifetimes_version=ref["version"],
                               ref_env=f"numpy {ref['numpy']}, pandas {ref['pandas']}")
                    row["speedup"] = row["lifetimes_s"] / row["crmlab_s"]
                    row["same_4_digits"] = same_digits(ours_params, ref["params"])
                elif ref:
                    row["lifetimes_error"] = ref["error"]
                rows.append(row)
                print(json.dumps(row, default=str), flush=True)
    write_report(rows)


def fmt_params(p: dict) -> str:
    return ", ".join(f"{k}={v:.5g}" for k, v in p.items())


def write_report(rows: list[dict]) -> None:
    lines = [
        "# Customer-base model fitting: crmlab vs lifetimes",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()}. Median wall time of a full `fit` (data checks and preparation "
        "included). The machine was shared with other jobs while this ran, so absolute times are "
        "noisy and provisional; the ratio (both measured in the same run, on the same data file) "
        "is the meaningful number.",
        "",
        "| model | data | crmlab (s) | lifetimes (s) | speed-up | same params to 4 sig. digits |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        ref = f"{row['lifetimes_s']:.3f} ({row['lifetimes_runs']} runs)" if "lifetimes_s" in row \
            else row.get("lifetimes_error", "not run")
        speed = f"{row['speedup']:.1f}×" if "speedup" in row else "–"
        same = ("yes" if row.get("same_4_digits") else "no") if "same_4_digits" in row else "–"
        lines.append(f"| {row['model']} | {row['data']} | {row['crmlab_s']:.3f} "
                     f"({row['crmlab_runs']} runs) | {ref} | {speed} | {same} |")
    lines += ["", "Parameters:", ""]
    for row in rows:
        lines.append(f"- {row['model']}, {row['data']}: crmlab {fmt_params(row['params'])}")
        if "lifetimes_params" in row:
            lines.append(f"  lifetimes {row['lifetimes_version']} ({row['ref_env']}): "
                         f"{fmt_params(row['lifetimes_params'])}")
    lines += ["", f"Generated by `python benchmarks/bench_btyd.py` ({sys.platform})."]
    out = ROOT / "results" / "btyd.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
