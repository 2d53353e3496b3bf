r"""The one timing model of spareopt: when a plan reviews, when an order arrives, what the stock must cover.

The policy (:mod:`spareopt.policy.service`), the implied service of every plan, the optimizer
(:mod:`spareopt.jobs.optimize`) and the replay of held-out history (:func:`spareopt.replay.replay`)
all read time through the functions of this module, so that the replay measures exactly the
exposure that the plan protects.

The model
---------
* **The period is the calendar month** of the history, D = 365.25 / 12 days.  Demand is known
  per month only; within a month it is taken as spread evenly over the days (the only
  assumption that lets monthly data replay a lead time in days).
* **Review.** The position (on hand + on order) is reviewed every order cycle R =
  ``order_cycle_days``; if it is at or below the reorder point s, an order brings it up to the
  maximum S.  The replay reviews at the end of every month, the finest review monthly data
  allows, so it replays R = D exactly (the set-ups of the README's results).  A shorter cycle is
  planned as given and replayed monthly: the replay is then harsher than the plan, and
  ``evaluate`` counts those series.
* **Lead time.** An order placed at a review arrives ell = L / D months later, L =
  ``lead_time_days``, fractions kept: an order of the end of month t with L = 10 days arrives a
  third of the way into month t + 1, and the first third of that month's demand is served
  before it.  (Until this model, the replay rounded L up to whole months and served every
  month after the receipt: L = 10 days was replayed as "before the next month's demand", and
  L = 56 days as 30 days.)
* **Protection.** After a review, the next order is placed R later and arrives ell after that,
  so the stock of a review must cover the demand of the protection interval

  .. math::  P = \frac{L + R}{D} \text{ months}, \qquad \text{with a review period of } R / D \text{ months.}

  With R = D (a monthly review) P = ell + 1: exactly the months of demand that the replay
  serves from the position of one review before the next order can arrive.

References
----------
Silver, E. A., Pyke, D. F. & Thomas, D. J. (2017). *Inventory and Production Management in
Supply Chains*, 4th ed., CRC Press, section 6.7: the (R, s, S) system protects R + L.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["DAYS_PER_MONTH", "lead_time_months", "protection_months", "review_months"]

DAYS_PER_MONTH = 365.25 / 12
"""D, days in a month wherever days turn into months (DOMAIN.md)."""


def lead_time_months(lead_time_days: ArrayLike) -> np.ndarray:
    """ell = L / D: months from the review that places an order to its arrival (fractions kept).

    >>> lead_time_months([0, 10, 30.4375, 56]).round(3).tolist()
    [0.0, 0.329, 1.0, 1.84]
    """
    return np.asarray(lead_time_days, dtype=np.float64) / DAYS_PER_MONTH


def review_months(order_cycle_days: ArrayLike) -> np.ndarray:
    """R / D: months between two reviews.

    >>> review_months([7, 30.4375]).round(3).tolist()
    [0.23, 1.0]
    """
    return np.asarray(order_cycle_days, dtype=np.float64) / DAYS_PER_MONTH


def protection_months(lead_time_days: ArrayLike, order_cycle_days: ArrayLike) -> np.ndarray:
    """P = (L + R) / D: the months of demand that the position after one review must cover.

    >>> protection_months([10, 56], 30.4375).round(3).tolist()
    [1.329, 2.84]
    """
    return lead_time_months(lead_time_days) + review_months(order_cycle_days)
