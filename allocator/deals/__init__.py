"""Deals as the industry reads them: cash flows, yield, IRR, backlog and cost per BTC.

Pure functions over a solved :class:`~allocator.results.plan.Plan` and the
:class:`~allocator.optimization.coefficients.Coefficients` it was solved from; nothing here
solves, reads or writes a file. The LP knows none of it.

- :mod:`allocator.deals.cash_flows`: monthly cash flows of each conversion project
  (site x contract) as solved, and the contracted tail after the horizon;
- :mod:`allocator.deals.metrics`: per project stabilized NOI, yield on cost, unlevered IRR,
  payback and NPV;
- :mod:`allocator.deals.phases`: a deal delivered in phases (Contracts rows naming one
  ``deal``) read as one project per site, and the phases' checks;
- :mod:`allocator.deals.portfolio`: contracted backlog, weighted average lease term, share
  of rent by tenant, and the line-by-line bridge from the planning NPV to the cash NPV;
- :mod:`allocator.deals.mining`: BTC mined, hashprice in BTC, hashcost, cash and all-in cost
  per BTC and fleet J/TH per month;
- :mod:`allocator.deals.view`: all of them attached to a plan (``make_plan`` calls it).
"""
