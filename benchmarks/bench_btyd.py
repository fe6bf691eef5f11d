"""Benchmark: BG/NBD fitting with crmlab vs lifetimes' BetaGeoFitter on the same data.

Run: ``python benchmarks/bench_btyd.py`` (from the repository root). Fits BG/NBD on

* the CDNOW calibration summary (2,357 customers, the published example), and
* 1,000,000 synthetic customers simulated from the CDNOW parameters (first purchases spread
  over the first 12 weeks, calendar days, 39-week calibration period, like CDNOW),

timing the median of several fits (data preparation included, file reading excluded). The
reference, ``lifetimes.BetaGeoFitter`` (0.11.3), needs numpy < 2 and pandas < 2, so it runs
in its own virtual environment, from this script via subprocess on the same data file; point
``LIFETIMES_PYTHON`` at that environment's python (default ``/tmp/lifetimes-venv/bin/python``;
create it with ``python3 -m venv /tmp/lifetimes-venv && /tmp/lifetimes-venv/bin/pip install
"numpy<2" "pandas<2" "scipy<1.12" lifetimes==0.11.3``). Without it only crmlab is timed.

Writes ``benchmarks/results/btyd.md``.
"""

from __future__ import annotations

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
CDNOW_PARAMS = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}

LIFETIMES_SCRIPT = textwrap.dedent("""
    import json, sys, time, warnings
    warnings.simplefilter("ignore")
    import numpy as np, pandas as pd, lifetimes
    from lifetimes import BetaGeoFitter
    data = np.load(sys.argv[1])
    runs = int(sys.argv[2])
    times, params = [], None
    for _ in range(runs):
        start = time.perf_counter()
        model = BetaGeoFitter().fit(pd.Series(data["frequency"]), pd.Series(data["recency"]),
                                    pd.Series(data["T"]))
        times.append(time.perf_counter() - start)
        params = {k: float(v) for k, v in model.params_.items()}
    print(json.dumps({"times": times, "params": params, "version": lifetimes.__version__,
                      "numpy": np.__version__, "pandas": pd.__version__}))
""")


def simulate_million(n: int = 1_000_000, seed: int = 2024) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    first_day = rng.integers(0, 84, n)  # first purchase in the first 12 weeks
    big_t = (273 - first_day) / 7.0
    sim = btyd.simulate_customers(n, **CDNOW_PARAMS, T=big_t, random_state=seed + 1)
    # purchases happen on calendar days: round recency to whole days as real data would be
    sim["recency"] = np.minimum(np.round(sim["recency"] * 7) / 7, sim["T"])
    return sim


def time_crmlab(data: pd.DataFrame, runs: int) -> tuple[list[float], dict]:
    times, params = [], {}
    x, t_x, big_t = (data[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    for _ in range(runs):
        start = time.perf_counter()
        model = btyd.BetaGeoModel().fit(x, t_x, big_t)
        times.append(time.perf_counter() - start)
        params = model.params_
    return times, params


def time_lifetimes(path: Path, runs: int, timeout: float) -> dict | None:
    if not Path(LIFETIMES_PYTHON).exists():
        return None
    try:
        done = subprocess.run([LIFETIMES_PYTHON, "-c", LIFETIMES_SCRIPT, str(path), str(runs)],
                              capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout:.0f} s"}
    except subprocess.CalledProcessError as exc:
        return {"error": exc.stderr.strip().splitlines()[-1] if exc.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def same_digits(a: dict, b: dict, digits: int = 4) -> bool:
    return all(f"{a[k]:.{digits - 1}e}" == f"{b[k]:.{digits - 1}e}" for k in CDNOW_PARAMS)


def main() -> None:
    cases = {
        "CDNOW (2,357 customers)": (load_dataset("cdnow_summary"), 7, 5),
        "synthetic (1,000,000 customers)": (simulate_million(), 3, 1),
    }
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (data, runs, ref_runs) in cases.items():
            path = Path(tmp) / "data.npz"
            np.savez(path, **{c: data[c].to_numpy(float) for c in ("frequency", "recency", "T")})
            ours, ours_params = time_crmlab(data, runs)
            ref = time_lifetimes(path, ref_runs, timeout=1800)
            row = {"data": name, "crmlab_s": statistics.median(ours), "crmlab_runs": runs,
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
            print(json.dumps(row, default=str))
    write_report(rows)


def fmt_params(p: dict) -> str:
    return ", ".join(f"{k}={p[k]:.5g}" for k in CDNOW_PARAMS)


def write_report(rows: list[dict]) -> None:
    lines = [
        "# BG/NBD fitting: crmlab vs lifetimes",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()}. Median wall time of a full `fit` (data checks and preparation "
        "included). The machine was shared with other jobs while this ran, so absolute times are "
        "noisy; the ratio (both measured in the same run) is the meaningful number.",
        "",
        "| data | crmlab (s) | lifetimes (s) | speed-up | same params to 4 sig. digits |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        ref = f"{row['lifetimes_s']:.3f} ({row['lifetimes_runs']} runs)" if "lifetimes_s" in row \
            else row.get("lifetimes_error", "not run")
        speed = f"{row['speedup']:.1f}×" if "speedup" in row else "–"
        same = ("yes" if row.get("same_4_digits") else "no") if "same_4_digits" in row else "–"
        lines.append(f"| {row['data']} | {row['crmlab_s']:.3f} ({row['crmlab_runs']} runs) | {ref} "
                     f"| {speed} | {same} |")
    lines += ["", "Parameters:", ""]
    for row in rows:
        lines.append(f"- {row['data']}: crmlab {fmt_params(row['params'])}")
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
