"""The stochastic plan's output columns (Risk Summary, Risk Frontier, First Stage, Regret): their
readable labels and what each is, merged into :mod:`allocator.workbook.output_columns`; no I/O.
"""

from __future__ import annotations

__all__ = ["RISK_COLUMNS", "RISK_LABELS"]

RISK_LABELS: dict[str, str] = {
    "measure": "Measure", "value_usd": "Value ($)", "meaning": "What it is",
    "lambda_weight": "CVaR weight lambda", "expected_npv_usd": "Expected NPV ($)",
    "cvar_usd": "CVaR ($)", "objective_usd": "Objective ($)",
    "stochastic_plan_mw": "Stochastic plan (MW)", "mean_path_plan_mw": "Mean-path plan (MW)",
    "max_regret_usd": "Largest regret ($)",
}
"""Labels the unit suffixes alone would not give (``CVaR``, not ``Cvar``)."""

RISK_COLUMNS: dict[str, str] = {
    "measure": "RP, EV, EEV, WS, VSS, EVPI (docs/model.md, 'Decide now, adapt later'), then "
               "each plan's NPV percentiles and CVaR across the futures.",
    "value_usd": "The measure's value, USD of NPV.",
    "meaning": "The measure in words.",
    "lambda_weight": "The CVaR weight: the plan maximizes (1 - lambda) x E[NPV] + lambda x "
                     "CVaR.",
    "expected_npv_usd": "Probability-weighted mean of the plan's NPV across the futures.",
    "cvar_usd": "Mean NPV of the worst alpha share of the futures' probability (CVaR).",
    "objective_usd": "(1 - lambda) x expected NPV + lambda x CVaR at this weight.",
    "decision": "conversion started (MW by site and month), commitment (MW by contract) or "
                "lease (IT MW by site and contract): the first stage, decided now.",
    "stochastic_plan_mw": "The stochastic plan's MW for this decision, shared by every future.",
    "mean_path_plan_mw": "The MW of the plan made on the mean path for this decision.",
    "plan": "A candidate plan: the stochastic plan, the mean-path plan, a plan held from "
            "outside (--hold) or a future's own perfect-foresight plan.",
    "expected_regret_usd": "Probability-weighted mean of the plan's regret across futures.",
    "max_regret_usd": "The plan's largest regret in any future.",
    "regret_usd": "That future's own optimum less the plan's NPV there, its first stage "
                  "held and mining re-optimized.",
}
"""What each column is, for the header notes and docs/workbook.md."""
