"""Redraw docs/tour.png, the README's picture, from the shipped retail data.

Run: .venv/bin/python docs/make_tour_picture.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from crmlab import pareto, plots  # noqa: E402
from crmlab.datasets import load_dataset  # noqa: E402

receipts = load_dataset("retail_transactions")
table = pareto.pareto_table(receipts, value="amount", customer="customer_id")
pyramid = pareto.customer_pyramid(receipts, value="amount", customer="customer_id")
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
plots.pareto_chart(table, ax=left)
left.set_title(f"二八法则 among {len(table):,} supermarket card members")
plots.pyramid_chart(pyramid, ax=right)
fig.tight_layout()
fig.savefig(Path(__file__).with_name("tour.png"), dpi=90)
