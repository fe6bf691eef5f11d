"""Numerically stable building blocks: BG/NBD expectations and pmf, the Pareto/NBD A₀ term.

The textbook formulas multiply a Gauss hypergeometric function that overflows for heavy buyers
(``₂F₁(r+x, b+x; a+b+x−1; z)`` grows like e^{x·z}) by a power that underflows; their product is
a modest number but NaN in floating point. Here the hypergeometric functions are first rewritten
with Euler's and Pfaff's transformations so that their upper parameters stay small, and the
rest is carried in log space:

* BG/NBD: ``(1−z)^{r+x} ₂F₁(r+x, b+x; a+b+x−1; z) = (1−z)^{a−1} ₂F₁(a+b−1−r, a−1; a+b+x−1; z)``
  (Euler), which tends to a finite limit as x grows;
* Pareto/NBD: ``log ₂F₁(A, b; A+1; z)`` through Euler's transformation, and where scipy cannot
  evaluate that (huge A with z close to 1), through the integral
  ``₂F₁(A, b; A+1; z) = (1−z)^{−b} ∫₀^∞ e^{−v} ((1−z)/(1−z·e^{−v/A}))^b dv`` by adaptive
  quadrature (:func:`scipy.integrate.quad_vec`).
"""

from __future__ import annotations

import numpy as np
from scipy import integrate, special


def around_one(formula, a: float, step: float = 1e-5):
    """Evaluate ``formula(a)``; at a = 1 (a removable 0/0) average a ± step."""
    if abs(a - 1) < step:
        return 0.5 * (formula(1 - step) + formula(1 + step))
    return formula(a)


def hyp2f1_safe(a, b, c, z):
    """scipy's ₂F₁, with the rare NaN cases (c−a−b an integer, z close to 1) filled in.

    There scipy's connection formula divides by Γ(c−a−b) terms that cancel exactly; moving
    ``a`` by ±1e-7 relative and averaging gives the value to ~1e-10 relative.
    """
    a, b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, c, z)))
    value = np.asarray(special.hyp2f1(a, b, c, z), dtype=float)
    bad = ~np.isfinite(value)
    if bad.any():
        value = value.copy()
        eps = 1e-7 * np.maximum(1.0, np.abs(a[bad]))
        value[bad] = 0.5 * (special.hyp2f1(a[bad] + eps, b[bad], c[bad], z[bad])
                            + special.hyp2f1(a[bad] - eps, b[bad], c[bad], z[bad]))
    return value


def bg_expected(t, r, alpha, a: float, b):
    """E[X(t)] of a BG/NBD customer: ``(a+b−1)/(a−1)·[1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))]``.

    With posterior parameters (r+x, α+T, a, b+x) this is also the expectation for a customer
    known to be alive. ``a`` is a scalar; the others broadcast.
    """
    t, r, alpha, b = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (t, r, alpha, b)))
    log_keep = np.log(alpha) - np.log(alpha + t)  # log(1 − z), exact for any t
    z = np.minimum(t / (alpha + t), 1 - 1e-15)

    def formula(a: float) -> np.ndarray:
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            hyp = hyp2f1_safe(a + b - 1 - r, a - 1, a + b - 1, z)
            product = np.exp((a - 1) * log_keep) * hyp
            # for a large a and t far beyond α the power underflows to 0 while ₂F₁ (whose
            # c − a − b < 0) overflows: 0·∞. Euler's transformation back gives the same
            # product as (1−z)^r ₂F₁(r, b; a+b−1; z), finite there (its c − a − b = a − 1 − r).
            bad = ~np.isfinite(product)
            if bad.any():
                other = np.exp(r * log_keep) * hyp2f1_safe(r, b, a + b - 1, z)
                product = np.where(bad, other, product)
            return (a + b - 1) / (a - 1) * (1 - product)

    value = around_one(formula, a)
    # a + b = 1 makes the series' c = a+b−1 zero: 0·∞ in floating point, though E[X(t)] is
    # continuous there; take the mean of the two sides, as around_one does for a = 1
    level = np.abs(a + b - 1) < 1e-7
    if level.any():
        b_exact = b
        step = 1e-6
        b = b_exact + step
        above = around_one(formula, a)
        b = b_exact - step
        below = around_one(formula, a)
        b = b_exact
        value = np.where(level, 0.5 * (above + below), value)
    # for t → 0 the bracket is 1 − (1 − O(t)): rounding can leave −1e-16 instead of +0
    return np.maximum(value, 0.0)


def nbd_log_pmf(n, r, alpha, t):
    """log P(N(t) = n) for a Poisson count whose rate is Gamma(r, α) (shape r, rate α)."""
    return (special.gammaln(r + n) - special.gammaln(r) - special.gammaln(n + 1)
            + r * (np.log(alpha) - np.log(alpha + t)) + special.xlogy(n, t / (alpha + t)))


def bg_pmf(n, t, r, alpha, a: float, b):
    """P(X(t) = n) of a BG/NBD customer (Fader, Hardie & Lee 2005, eq. 8); all broadcast."""
    n, t, r, alpha, b = np.broadcast_arrays(*(np.asarray(v, dtype=float)
                                              for v in (n, t, r, alpha, b)))
    log_b_ab = special.betaln(a, b)
    first = np.exp(special.betaln(a, b + n) - log_b_ab + nbd_log_pmf(n, r, alpha, t))
    safe_n = np.maximum(n, 1)
    # P(N(t) ≥ n) = 1 − I_{α/(α+t)}(r, n)
    above = special.betaincc(r, safe_n, alpha / (alpha + t))
    second = np.where(n > 0, np.exp(special.betaln(a + 1, b + safe_n - 1) - log_b_ab) * above, 0.0)
    return first + second


def log_hyp2f1_next(big_a, b, z, log_1mz):
    """log ₂F₁(A, b; A+1; z) for A, b > 0 and 0 ≤ z < 1, finite for any A (see module doc)."""
    big_a, b, z, log_1mz = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, dtype=float))
                                                  for v in (big_a, b, z, log_1mz)))
    with np.errstate(all="ignore"):
        inner = special.hyp2f1(1.0, big_a - b + 1, big_a + 1, z)  # Euler: c−a = 1, c−b = A−b+1
        out = np.array((1 - b) * log_1mz + np.log(inner), dtype=float)
    bad = ~np.isfinite(out) | ~(inner > 0)
    if bad.any():
        out = out.copy()
        out[bad] = _log_hyp2f1_next_quad(big_a[bad], b[bad], z[bad], log_1mz[bad])
    return out


def _log_hyp2f1_next_quad(big_a, b, z, log_1mz):
    one_minus_z = np.exp(log_1mz)

    def integrand(v: float) -> np.ndarray:
        ratio = np.log(one_minus_z) - np.log(one_minus_z - z * np.expm1(-v / big_a))
        return np.exp(-v + b * ratio)

    with np.errstate(all="ignore"):
        value, _ = integrate.quad_vec(integrand, 0.0, np.inf, epsabs=0.0, epsrel=1e-12)
    return -b * log_1mz + np.log(value)


def pareto_log_a0(r, alpha, s, beta, x, t_x, big_t):
    """log A₀ of the Pareto/NBD likelihood (Fader & Hardie 2005 note, eqs. 19–20).

    ``A₀ = F(t_x) − F(T)`` with ``F(τ) = ₂F₁(A, b; A+1; |α−β|/(max(α,β)+τ)) / (max(α,β)+τ)^A``,
    ``A = r+s+x`` and ``b = s+1`` if α ≥ β, else ``b = r+x``. −∞ when t_x = T.
    """
    x, t_x, big_t = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, t_x, big_t)))
    big_a = r + s + x
    if alpha >= beta:
        hi, lo, b = alpha, beta, np.full_like(x, s + 1)
    else:
        hi, lo, b = beta, alpha, r + x

    def log_f(tau):
        log_1mz = np.log(lo + tau) - np.log(hi + tau)
        z = (hi - lo) / (hi + tau)
        return log_hyp2f1_next(big_a, b, z, log_1mz) - big_a * np.log(hi + tau)

    first, second = log_f(t_x), log_f(big_t)
    with np.errstate(divide="ignore"):
        out = first + np.log1p(-np.exp(np.minimum(second - first, 0.0)))
    return out.reshape(x.shape)
