"""Project financing of each conversion project: levered IRR, equity and DSCR; pure.

Portfolio financing from Settings (``loan_to_cost``, ``loan_coupon_pa``,
``loan_amortization``, ``loan_term_months``) is applied to every project with owner capex,
month by month (docs/model.md, "Deals"):

- **draws**: ``loan_to_cost`` of the owner's capex, in the months it is spent;
- **interest**: ``loan_coupon_pa / 12`` a month on the balance owed at the start of the month,
  from the month after a draw;
- **principal**: ``bullet``: all of it in the loan's last month; ``amortizing``: level
  payments (interest and principal) from the month after the last draw to the last month.
  The loan's last month is ``loan_term_months`` after the first draw, blank = the lease's
  last month of rent;
- **levered cash flow** = the project's net cash flow + draws - interest - principal; the
  **levered IRR** is its IRR (:func:`~allocator.deals.metrics.irr_pa`); **equity** is the
  owner's capex less the loan;
- **minimum DSCR**: the smallest monthly NOI / debt service over the months from rent
  commencement to the loan's last month, a bullet's final repayment left out (lenders size
  it against a refinancing, not one month's rent).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from allocator.deals.cash_flows import ProjectFlows
from allocator.deals.irr import irr_pa
from allocator.domain import Contract, Settings
from allocator.optimization.coefficients import Coefficients
from allocator.periods import month_index

__all__ = ["FINANCING_COLUMNS", "Levered", "Loan", "financing_row", "levered"]

Array = npt.NDArray[np.float64]

FINANCING_COLUMNS = ["loan_usd", "equity_usd", "levered_irr_pct", "min_dscr_factor"]


@dataclass(frozen=True)
class Loan:
    """The portfolio's loan terms (Settings)."""

    loan_to_cost: float
    coupon_pa: float
    amortizing: bool
    term_months: int | None
    sweep_share: float = 0.0

    @classmethod
    def of(cls, settings: Settings, contract: Contract | None = None) -> Loan | None:
        """The loan of a project leased under ``contract``: each of the contract's loan
        terms where given, else the Settings'; ``None`` without a ``loan_to_cost``."""
        def term(key: str) -> Any:
            given = None if contract is None else getattr(contract, key)
            return getattr(settings, key) if given is None else given

        if term("loan_to_cost") is None:
            return None
        return cls(term("loan_to_cost"), term("loan_coupon_pa"),
                   term("loan_amortization") == "amortizing", term("loan_term_months"),
                   term("cash_sweep_share"))


@dataclass(frozen=True)
class Levered:
    """A project's loan month by month, over the project's months (``ProjectFlows.offset``)."""

    draws_usd: Array
    interest_usd: Array
    principal_usd: Array
    levered_cash_flow_usd: Array
    sweep_usd: Array | None = None
    """The part of ``principal_usd`` repaid early by the cash sweep (``None``: no sweep)."""


def _last_month(coef: Coefficients, f: ProjectFlows, loan: Loan, first_draw: int) -> int:
    """Index (into the project's months) of the loan's last month."""
    if loan.term_months is not None:
        return min(first_draw + loan.term_months - 1, len(f.offset) - 1)
    if f.project.contract is None:
        return len(f.offset) - 1
    c = coef.fleet.contracts[f.project.contract]
    end = month_index(c.start_month) + c.term_months - 1 - month_index(coef.months[0])
    return int(np.clip(end - int(f.offset[0]), first_draw, len(f.offset) - 1))


def levered(coef: Coefficients, f: ProjectFlows, loan: Loan) -> Levered:
    """The project's draws, interest, principal and levered cash flow (module docstring)."""
    n = len(f.offset)
    draws = loan.loan_to_cost * f.capex_usd
    interest, principal, sweep = np.zeros(n), np.zeros(n), np.zeros(n)
    drawn = np.flatnonzero(draws > 0)
    if len(drawn):
        last = _last_month(coef, f, loan, int(drawn[0]))
        rate = loan.coupon_pa / 12.0
        balance = 0.0
        payment = math.nan
        for t in range(int(drawn[0]), last + 1):
            interest[t] = balance * rate
            if loan.amortizing and t > drawn[-1]:
                if math.isnan(payment):
                    left = last - t + 1
                    payment = (balance / left if rate == 0
                               else balance * rate / (1 - (1 + rate) ** -left))
                principal[t] = min(payment - interest[t], balance)
            if t == last:
                principal[t] = balance
            elif loan.sweep_share > 0 and t > drawn[-1]:
                free = f.net_cash_flow_usd[t] - interest[t] - principal[t]
                sweep[t] = min(max(loan.sweep_share * free, 0.0), balance - principal[t])
                principal[t] += sweep[t]
            balance += draws[t] - principal[t]
            if balance <= 0 and t > drawn[-1]:
                break  # repaid early by the sweep
    cash = f.net_cash_flow_usd + draws - interest - principal
    return Levered(draws, interest, principal, cash, sweep if loan.sweep_share > 0 else None)


def financing_row(coef: Coefficients, f: ProjectFlows, loan: Loan) -> dict[str, float]:
    """The Deals columns :data:`FINANCING_COLUMNS` of one project."""
    debt = levered(coef, f, loan)
    loan_usd = float(debt.draws_usd.sum())
    service = debt.interest_usd + debt.principal_usd
    if debt.sweep_usd is not None:
        service = service - debt.sweep_usd  # a sweep is cash left over, not debt service
    if not loan.amortizing:
        paid = np.flatnonzero(debt.principal_usd > 0)
        if len(paid):
            service[paid[-1]] = debt.interest_usd[paid[-1]]  # the balloon is refinanced
    paid_rent = np.flatnonzero(f.rent_usd > 0)
    watch = (np.arange(len(service)) >= (paid_rent[0] if len(paid_rent) else len(service))) \
        & (service > 0)
    dscr = float((f.noi_usd[watch] / service[watch]).min()) if watch.any() else math.nan
    return {
        "loan_usd": loan_usd,
        "equity_usd": float(f.capex_usd.sum()) - loan_usd,
        "levered_irr_pct": irr_pa(debt.levered_cash_flow_usd) if loan_usd > 0 else math.nan,
        "min_dscr_factor": dscr,
    }
