"""Buy-till-you-die models: BG/NBD for *how often* and Gamma-Gamma for *how much* customers buy.

In a non-contractual business (a shop, a web store) nobody tells the firm when they stop being a
customer: they simply stop buying. "Buy till you die" (BTYD) models infer from each customer's
purchase history three numbers — *frequency* (how many repeat purchases), *recency* (when the last
one was) and *T* (how long we have known the customer) — how likely the customer is still
"alive" (P(alive), 存活概率), how many purchases to expect in the future, and, with a spend model,
the customer's lifetime value (客户终身价值, CLV).

* :func:`summary_data` turns a transaction log into frequency / recency / T / monetary value per
  customer, optionally split into a calibration and a holdout period.
* Transaction models (how often, and for how long, customers buy), one contract for all (fit on
  the summary, ``params_``, ``summary_`` with standard errors, P(alive), expected purchases
  unconditional and conditional, P(n purchases), simulation, JSON save/load):

  - :class:`BetaGeoModel` — BG/NBD (Fader, Hardie & Lee 2005): while alive a customer buys as a
    Poisson process with rate λ ~ Gamma(r, α); after each repeat purchase they drop out with
    probability p ~ Beta(a, b);
  - :class:`ModifiedBetaGeoModel` — MBG/NBD (Batislam et al. 2007): may also drop out at once;
  - :class:`ParetoNBDModel` — Pareto/NBD (Schmittlein, Morrison & Colombo 1987), the original:
    lifetimes are exponential with a Gamma(s, β) distributed drop-out rate;
  - :class:`BetaGeoBetaBinomModel` — BG/BB (Fader, Hardie & Shang 2010) for discrete
    transaction opportunities (yearly donations, monthly boxes).
* :class:`ShiftedBetaGeoModel` — the sBG model (Fader & Hardie 2007) for *contractual*
  businesses (subscriptions): retention curve, survival, discounted expected residual lifetime
  and the CLV of a subscriber.
* :class:`GammaGammaModel` is the Gamma-Gamma spend model (Fader, Hardie & Lee 2005; Fader &
  Hardie 2013): a customer's transaction values vary around their own mean, and those means vary
  across customers.
* :func:`customer_lifetime_value` combines a transaction model and the spend model into a
  discounted sum of expected margin.
* :func:`simulate_customers` draws synthetic customers from a BG/NBD model (for teaching and
  benchmarks); the ``*_table`` / ``*_matrix`` functions and :func:`calibration_holdout_data`
  build the diagnostics the notebook plots (:mod:`crmlab.plots`).

All models are fitted by maximum likelihood with :func:`scipy.optimize.minimize` (L-BFGS-B) on
log-parameters; the special functions are evaluated in log space and with hypergeometric
transformations, so no prediction returns NaN or inf for valid inputs, however heavy the buyer.

Examples
--------
>>> from crmlab.datasets import load_dataset
>>> cdnow = load_dataset("cdnow_summary")
>>> bg = BetaGeoModel().fit(cdnow)     # or .fit(frequency, recency, T)
>>> {k: round(v, 3) for k, v in bg.params_.items()}
{'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
"""

from crmlab.btyd._base import (
    BOUNDARY, MIN_CUSTOMERS, BTYDConvergenceWarning, BTYDDegenerateFitWarning, NotFittedError,
    load_model,
)
from crmlab.btyd._summary import TIME_UNITS, summary_data
from crmlab.btyd.bgbb import BetaGeoBetaBinomModel
from crmlab.btyd.bgnbd import BetaGeoModel, ModifiedBetaGeoModel, simulate_customers
from crmlab.btyd.diagnostics import (
    CalibrationHoldoutData, calibration_holdout_data, calibration_holdout_table,
    expected_purchases_matrix, probability_alive_matrix, repeat_purchase_table, tracking_table,
)
from crmlab.btyd.gamma_gamma import MIN_REPEAT_BUYERS, GammaGammaModel, customer_lifetime_value
from crmlab.btyd.pareto_nbd import ParetoNBDModel
from crmlab.btyd.sbg import ShiftedBetaGeoModel

__all__ = [
    "summary_data", "TIME_UNITS",
    "BetaGeoModel", "ModifiedBetaGeoModel", "ParetoNBDModel", "BetaGeoBetaBinomModel",
    "ShiftedBetaGeoModel", "GammaGammaModel", "customer_lifetime_value", "simulate_customers",
    "repeat_purchase_table", "calibration_holdout_table", "probability_alive_matrix",
    "expected_purchases_matrix", "CalibrationHoldoutData", "calibration_holdout_data",
    "tracking_table", "load_model", "NotFittedError", "BTYDConvergenceWarning",
    "BTYDDegenerateFitWarning", "MIN_CUSTOMERS", "MIN_REPEAT_BUYERS", "BOUNDARY",
]
