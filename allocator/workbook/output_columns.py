"""What each output column is called and shown as, for people; no I/O here.

Output sheets keep the machine name (``hashprice_usd_ph_day``) as a header's value and show
:func:`output_label` (``Hashprice ($/PH/day)``); :data:`OUTPUT_COLUMNS` says what each column
is and how it is computed, for the header notes (:func:`output_note`) and docs/workbook.md.
:mod:`allocator.workbook.schema` re-exports these three names.
"""

from __future__ import annotations

from allocator.workbook.risk_columns import RISK_COLUMNS, RISK_LABELS

__all__ = ["OUTPUT_COLUMNS", "output_label", "output_note"]

_UNITS: tuple[tuple[str, str], ...] = (
    ("_btc_ph_day", "BTC/PH/day"), ("_usd_btc", "$/BTC"), ("_btc", "BTC"),
    ("_usd_ph_day", "$/PH/day"), ("_usd_th_day", "$/TH/day"), ("_usd_kw_month", "$/kW-month"),
    ("_usd_mw_month", "$/MW-month"), ("_usd_mwh", "$/MWh"), ("_usd_mw", "$/MW"),
    ("_usd", "$"), ("_mwh", "MWh"), ("_mw", "MW"), ("_ehs", "EH/s"), ("_phs", "PH/s"),
    ("_j_th", "J/TH"), ("_pct", "%"), ("_pa", "%/yr"), ("_share", "%"), ("_seconds", "s"),
)
_WORDS = {"hpc": "HPC", "npv": "NPV", "btc": "BTC", "it": "IT", "pue": "PUE", "1mw": "1 MW",
          "ehs": "EH/s", "phs": "PH/s", "mw": "MW", "usd": "$", "pa": "per year",
          "noi": "NOI", "irr": "IRR", "ppa": "PPA"}
_LABELS = {
    "four_cp_avoided_usd": "4CP avoided ($)", "mining_four_cp_paid_usd": "Mining 4CP paid ($)",
    "hpc_four_cp_paid_usd": "HPC 4CP paid ($)",
    "discount_factor": "Discount factor", "uptime": "Uptime (%)", "pool_fee": "Pool fee (%)",
    "discount_rate": "Discount rate (%/yr)", "hpc_load_factor": "HPC load factor (%)",
    "plus_1mw_npv_usd": "NPV with +1 MW ($)", "minus_1mw_npv_usd": "NPV with -1 MW ($)",
    "from_usd": "From ($)", "probability_converts_pct": "Probability it converts (%)",
    "probability_taken_pct": "Probability it is taken (%)", "months": "Months",
    "planning_npv_usd": "Planning NPV, capital as a charge within the horizon ($)",
    "capital_charge_in_horizon_usd": "+ Capital charge within the horizon ($)",
    "capex_when_spent_usd": "- Conversion capex when spent ($)",
    "tenant_funded_capex_usd": "+ Conversion capex funded by tenants ($)",
    "contracted_tail_usd": "+ Contracted tail after the horizon ($)",
    "prepayment_timing_usd": "+ Prepayments at signing, less the rent they stand for ($)",
    "renewal_options_usd": "+ Renewal options after the firm term, as valued ($)",
    "cash_npv_usd": "= Cash NPV incl. contracted tail ($)",
    "walt_years": "Weighted average lease term (years)",
    "unlevered_irr_pct": "Unlevered IRR (%/yr)",
    "mined_btc": "BTC mined",
    "levered_irr_pct": "Levered IRR (%/yr)", "min_dscr_factor": "Minimum DSCR (x)",
}
_LABELS.update({k: v for k, v in RISK_LABELS.items() if k not in _LABELS})


def _words(stem: str) -> str:
    text = " ".join(_WORDS.get(w, w) for w in stem.split("_") if w)
    return text[:1].upper() + text[1:]


def output_label(name: str) -> str:
    """An output column's readable header: ``hashprice_usd_ph_day`` -> ``Hashprice ($/PH/day)``.

    Output sheets keep the machine name as the header cell's value (the DataFrame column) and
    show this label through the cell's number format.
    """
    item, colon, metric = name.rpartition(": ")
    if colon and item:  # a per-site or per-contract column: "Alpha: converted_mw"
        return f"{item}: {output_label(metric)}"
    key = name.strip().lower()
    if key in _LABELS:
        return _LABELS[key]
    for ending, word in (("_factor", "factor"), ("_change", "change")):
        if key.endswith(ending) and len(key) > len(ending):
            base = output_label(key[: -len(ending)])
            stem, _, unit = base.partition(" (")
            unit = "x base" if ending == "_factor" else unit.rstrip(")")
            return f"{stem} {word} ({unit})" if unit else f"{stem} {word}"
    for suffix, unit in _UNITS:
        if key.endswith(suffix) and len(key) > len(suffix):
            return f"{_words(key[: -len(suffix)])} ({unit})"
    return _words(key) if key else name


_SITE_MONTH = "per site and month"
OUTPUT_COLUMNS: dict[str, str] = {
    "site": "Site name, as in the Sites sheet.",
    "month": "Calendar month (YYYY-MM).",
    "contract": "Contract offer, as in the Contracts sheet.",
    "model": "Miner model of the tranche.",
    "tranche": "The miner row's number in the fleet (one model at one site).",
    "capacity_mw": "Grid connection of the site, MW at the meter (Sites).",
    "mining_mw": "Miner MW running (IT load, before mining PUE).",
    "mining_grid_mw": "Grid MW drawn by mining: mining_mw x mining_pue.",
    "hashrate_phs": "Hashrate of the running miners: running MW / efficiency (J/TH).",
    "hpc_leased_mw": "Critical-IT MW leased to HPC tenants.",
    "hpc_online_mw": "Critical-IT MW of HPC space built and usable (existing + converted).",
    "hpc_converted_mw": "IT MW converted by the plan so far (started conversions).",
    "hpc_under_construction_mw": "IT MW whose conversion has started but is not usable yet.",
    "hpc_grid_mw": "Grid MW held by HPC: online (or building) IT MW x hpc_pue.",
    "idle_mw": "Grid MW used by nothing: capacity - mining grid MW - HPC grid MW.",
    "conversion_started_mw": "IT MW whose conversion starts this month (the build schedule).",
    "power_price_usd_mwh": "All-in power price (Sites, or PowerPrices for the month).",
    "mining_revenue_usd": "Mining revenue: hashrate x hashprice x days, less the pool fee "
                          "(only the hours mined, on hourly prices), plus any "
                          "demand_response_usd_mw_month credit and ancillary_usd_mw_h "
                          "credit of the hours run.",
    "mining_power_cost_usd": "Power cost of mining: grid MW x hours x power price.",
    "mining_opex_usd": "Mining opex: running MW x mining_opex_usd_mw_month.",
    "hpc_revenue_usd": "Lease rent: leased MW x 1,000 x rate (with its escalator).",
    "hpc_power_cost_usd": "Power of gross leases: leased MW x load factor x hpc_pue x hours x "
                          "price.",
    "hpc_opex_usd": "HPC opex: leased MW x hpc_opex_usd_mw_month.",
    "capital_charge_usd": "Monthly capital recovery of conversion capex over the asset life, "
                          "less the charge on capex tenants fund for the MW leased to them.",
    "margin_usd": "Revenue - power - opex - capital charge, nominal USD of the month.",
    "discount_factor": "1 / (1 + discount_rate) ^ (months from start / 12).",
    "discounted_margin_usd": "margin_usd x discount_factor.",
    "site_power_value_usd_mw_month": "Shadow value of one more grid MW at the site that month.",
    "hours_mined": "Flexibility: hours the running miners mine in the month, averaged over "
                   "their MW (the month's hours less those curtailed above each tranche's "
                   "strike).",
    "curtailed_mwh": "Flexibility: grid MWh the running miners leave undrawn in the dear "
                     "hours (curtailed hours x running MW x mining_pue).",
    "flat_margin_usd": "Flexibility: mining margin of the same running MW at the month's "
                       "full-hours average price (what the plan assumed before hourly "
                       "prices).",
    "flexible_margin_usd": "Flexibility: mining margin with curtailment on the hourly prices "
                           "(the plan's).",
    "flexibility_premium_usd": "flexible_margin_usd - flat_margin_usd: what stopping in the "
                               "dear hours adds; a MW converted to HPC gives it up.",
    "flexibility_premium_usd_mw_month": "Flexibility premium per running miner MW-month.",
    "ancillary_revenue_usd": "Flexibility: ancillary (demand-response) credit the running "
                             "miners earn in the hours they run: grid MW x hours x "
                             "ancillary_usd_mw_h of the hourly prices (0 without it); in "
                             "flexible_margin_usd and mining_revenue_usd.",
    "four_cp_avoided_usd": "Flexibility: 4CP charge the running miners avoid by stopping at "
                           "the June-September peak (their full charge less what they pay).",
    "mining_four_cp_paid_usd": "Flexibility: 4CP charge the running miners pay (the share "
                               "not curtailed, or all where stopping costs more).",
    "hpc_four_cp_paid_usd": "Flexibility: 4CP charge of the site's leases (firm load at the "
                            "peak, unless the tenant pays the power).",
    "ppa_mw": "PPA Blocks: the site's fixed PPA block, grid MW in every hour (paid whether "
              "drawn or not).",
    "ppa_mining_grid_mw": "PPA Blocks: grid MW of the block the running miners draw on PPA "
                          "terms (their index-priced rows in Plan, the difference in "
                          "ppa_block_usd).",
    "ppa_hpc_grid_mw": "PPA Blocks: grid MW of the block the site's gross leases draw.",
    "ppa_unused_mw": "PPA Blocks: grid MW of the block no load is assigned: paid for and "
                     "resold at the hourly price less ppa_resale_discount (lost without "
                     "ppa_resale).",
    "ppa_price_usd_mwh": "PPA Blocks: the block's price.",
    "ppa_block_usd": "What the fixed PPA block adds to the month over the index pricing of "
                     "the plan's rows: the block's payment less its resale, and what the "
                     "miners and leases on it save over the hourly prices (see PPA Blocks).",
    "ppa_covered_mw": "Running MW of the tranche on its site's fixed PPA block (the row is "
                      "priced on the index; the block's gain is in ppa_block_usd).",
    "days": "Days in the month.",
    "hashprice_usd_ph_day": "Hashprice: BTC earned per PH/s per day (subsidy + fees) x BTC price.",
    "fleet_hashrate_ehs": "Hashrate of every running miner of the fleet.",
    "btc_price_usd": "BTC price the month's hashprice uses: given, filled between Market rows "
                     "or projected (blank where the Market gives only a hashprice).",
    "network_hashrate_ehs": "Network hashrate the month's hashprice uses (from difficulty "
                            "where the row gives that; blank where only a hashprice).",
    "market_basis": "Where the month's market comes from: given (a Market row), "
                    "hold_and_grow or interpolate (between rows, by market_gap_fill), or "
                    "projected (after the last row); network_model (projected) and the like "
                    "where network_model marginal_cost held the hashrate below the "
                    "projection.",
    "revenue_usd": "Mining revenue + HPC revenue.",
    "power_cost_usd": "Mining and HPC power cost.",
    "opex_usd": "Mining and HPC opex.",
    "margin_pct": "(Mining + HPC margin before capital charge) / revenue.",
    "capex_usd": "Conversion capex started this month: build MW x conversion_capex_usd_mw.",
    "cumulative_npv_usd": "Running sum of discounted_margin_usd.",
    "tenant": "Counterparty of the offer.",
    "firm": "yes: the offer must be taken at least at min_mw.",
    "power_pass_through": "yes: the tenant pays the power (net lease).",
    "rate_usd_kw_month": "Rent per kW of critical IT per month (Contracts).",
    "escalator_pa": "Yearly rent step-up from the start month.",
    "start_month": "First month of rent.",
    "term_months": "Lease term in months.",
    "min_mw": "Smallest commitment (binding only when firm).",
    "max_mw": "Largest commitment.",
    "committed_mw": "IT MW the plan commits, the same in every month of the term.",
    "months_in_horizon": "Months of the term inside the plan horizon.",
    "sites_used": "Sites carrying the lease.",
    "npv_usd": "Net present value: the sum of discounted margins.",
    "avg_shadow_value_usd_mw_month": "Average over months of site_power_value_usd_mw_month.",
    "max_shadow_value_usd_mw_month": "Largest monthly shadow value of the site's grid power.",
    "shadow_value_basis": "What the shadow values are (LP duals, fixed-integer duals).",
    "months_at_capacity": "Months in which the site uses all its grid power.",
    "marginal_model": "Least efficient miner model that still runs at the site.",
    "marginal_efficiency_j_th": "Efficiency of the marginal model.",
    "breakeven_hashprice_usd_ph_day": "Hashprice at which the marginal miners just pay power "
                                      "and opex, at the month's average power price (a flat "
                                      "figure: on hourly prices, miners that curtail pay "
                                      "their way below it; see Flexibility).",
    "avg_hashprice_usd_ph_day": "Average hashprice over the horizon.",
    "converted_mw": "IT MW the plan converts at the site over the horizon.",
    "build_mw": "IT MW whose conversion starts in the month.",
    "online_month": "First month the converted space can be leased (start + lead time).",
    "capital_charge_usd_mw_month": "Monthly capital recovery per converted IT MW.",
    "efficiency_j_th": "Energy per terahash of the model (J/TH).",
    "available_mw": "Installed miner MW x uptime: what can run.",
    "running_mw": "Miner MW the plan runs (best J/TH first).",
    "leased_mw": "IT MW of the contract leased at the site that month.",
    "plus_1mw_npv_usd": "NPV re-optimized with 1 MW more grid power at the site.",
    "minus_1mw_npv_usd": "NPV re-optimized with 1 MW less grid power at the site.",
    "shadow_value_check": "Whether the re-solves confirm the shadow value.",
    "breakeven_hpc_rate_usd_kw_month": "HPC rate from which converting one more MW here pays.",
    "breakeven_note": "Why the breakeven rate is blank, when it is.",
    "flat_breakeven_hpc_rate_usd_kw_month": "Breakeven HPC rate if the site's miners could "
                                            "not curtail (every hour at the month's average "
                                            "price, 4CP in full, no demand-response credit).",
    "flexibility_breakeven_shift_usd_kw_month": "breakeven_hpc_rate_usd_kw_month - "
                                                "flat_breakeven_hpc_rate_usd_kw_month: how "
                                                "far flexibility raises the rate.",
    "value_added_usd": "NPV with the offer minus NPV without it.",
    "drop_rate_usd_kw_month": "At or below this rate the plan takes none of the offer.",
    "full_take_rate_usd_kw_month": "From this rate on the plan takes all of max_mw.",
    "insight_note": "Why a rate is blank, when it is.",
    "breakeven_probe_mw": "IT MW of the small probe lease used to find the breakeven rate.",
    "breakeven_lease_start_month": "First month the probe lease could start (after lead time).",
    "units": "Machines of the model at the site.",
    "first_month_breakeven_hashprice_usd_ph_day": "Breakeven hashprice of the tranche in the "
                                                  "first month: (power + opex) / PH/s / days, "
                                                  "power at the month's average price (a flat "
                                                  "figure on hourly prices: curtailing miners "
                                                  "pay their way below it).",
    "avg_breakeven_hashprice_usd_ph_day": "Average over months of the breakeven hashprice.",
    "first_month_hashprice_usd_ph_day": "Hashprice in the first month.",
    "months_above_breakeven": "Months in which hashprice is above the tranche's breakeven.",
    "avg_running_mw": "Average over months of the tranche's running MW.",
    "low_change_pct": "The driver's low move (-pct).",
    "high_change_pct": "The driver's high move (+pct).",
    "base_npv_usd": "NPV of the plan as solved.",
    "low_npv_usd": "NPV re-optimized with the driver at -pct.",
    "high_npv_usd": "NPV re-optimized with the driver at +pct.",
    "note": "Why an NPV is blank (no plan at that move), when it is.",
    "driver": "Input moved by -/+ pct for the tornado.",
    "low_npv_change_usd": "NPV change, re-optimized, with the driver at -pct.",
    "high_npv_change_usd": "NPV change, re-optimized, with the driver at +pct.",
    "swing_usd": "high_npv_change_usd - low_npv_change_usd, in size.",
    "avg_mining_grid_mw": "Average over months of the fleet's mining grid MW.",
    "avg_hpc_grid_mw": "Average over months of the fleet's HPC grid MW.",
    "avg_idle_mw": "Average over months of the fleet's idle grid MW.",
    "avg_fleet_hashrate_ehs": "Average over months of the fleet hashrate.",
    "avg_hpc_leased_mw": "Average over months of the IT MW leased.",
    "statistic": "Mean, percentile, min or max over the samples.",
    "probability_converts_pct": "Share of samples in which the site converts any MW.",
    "probability_taken_pct": "Share of samples in which the contract is taken.",
    "mean_converted_mw": "Average over the samples of the IT MW converted.",
    "mean_committed_mw": "Average over the samples of the IT MW committed.",
    "bin": "Lower edge of the NPV bin, $M (the bin runs to the next one's edge).",
    "percentile_samples": "The bin's samples again if it holds P5, P50 or P95 (marked in the "
                          "chart).",
    "percentile": "Which of P5, P50, P95 falls in the bin.",
    "below": "Last swept value before the switch (flips), or the lower of two neighbouring "
             "steps (MW changes).",
    "above": "First swept value after the switch (flips), or the higher of two neighbouring "
             "steps (MW changes).",
    "flip": "What switches between below and above, located by bisection.",
    "before_mw": "The site's converted IT MW or average mining IT MW at the lower step.",
    "after_mw": "The same MW at the higher step.",
    "change": "The material MW change in words: at least max(5 MW, 10 % of the site's "
              "capacity_mw), the site converting or mining on both sides.",
    "setting": "Monte Carlo setting from the Settings sheet.",
    "value": "Its value.",
    "key": "What the row records about the run (Run Info).",
    "metric": "Headline figure of each scenario's plan.",
    "item": "The site or contract of a per-site or per-contract figure.",
    "scenario": "Scenario name.",
    "sheet": "Input sheet of the changed field.",
    "record": "Site, contract or month of the changed field (blank for Settings).",
    "parameter": "The input field changed (or moved, for the tornado).",
    "base_value": "Its value in the base case.",
    "scenario_value": "Its value in the scenario.",
    "from_usd": "Lower edge of the bin.",
    "samples": "Samples whose NPV falls in the bin.",
    "end_month": "Last month of rent of the lease's term.",
    "rent_start_month": "First month the project is paid rent (rent commencement).",
    "lease_mw": "IT MW the lease holds at the site over its whole term.",
    "owner_capex_usd": "Conversion capex the owner pays for the project, in the months "
                       "construction starts (a site's capex shared by its leases' MW).",
    "owner_capex_usd_mw": "owner_capex_usd per leased IT MW.",
    "project_npv_usd": "Discounted cash flows of the project, capex when spent and the "
                       "contracted tail included.",
    "stabilized_noi_usd": "Rent - power - opex over the 12 months from rent commencement, "
                          "USD a year.",
    "yield_on_cost_pct": "Stabilized NOI / the project's owner capex.",
    "unlevered_irr_pct": "Monthly IRR of the project's cash flows (capex when spent, rent, "
                         "power, opex, horizon and contracted tail), annualized: "
                         "(1 + monthly IRR) ^ 12 - 1.",
    "payback_month": "First month from which the project's cumulative cash flow stays >= 0.",
    "payback_months": "Months from the project's first capex to its payback month.",
    "rent_in_horizon_usd": "Rent the project is paid inside the plan horizon.",
    "contracted_tail_rent_usd": "Rent the signed lease still owes after the horizon, to the "
                                "end of its term (with its escalator).",
    "tail_npv_usd": "Discounted rent - power - opex of the lease after the horizon.",
    "share_of_rent_pct": "The project's share of the plan's contracted backlog.",
    "irr_note": "Why the unlevered IRR is not meaningful, shown n.m. (the number is kept in "
                "the cell): above 100 %/yr, or cash before capex (a prepayment first); "
                "blank when it is.",
    "mined_btc": "BTC mined in the month, after the pool fee: mining revenue / BTC price.",
    "hashprice_btc_ph_day": "Hashprice in BTC: hashprice_usd_ph_day / btc_price_usd.",
    "hashcost_usd_ph_day": "Mining power and opex per PH/s running per day.",
    "cash_cost_usd_btc": "Mining power and opex / BTC mined.",
    "all_in_cost_usd_btc": "Mining power, opex, pool fee, miner depreciation and overhead "
                           "(Settings miner_capex_usd_th, miner_life_months, "
                           "mining_overhead_usd_month) / BTC earned before the pool fee.",
    "fleet_efficiency_j_th": "Running miner MW / fleet EH/s: J/TH of the miners that run.",
    "planning_npv_usd": "The plan's NPV: conversion capital as a monthly charge within the "
                        "horizon, no rent after it (the objective).",
    "capital_charge_in_horizon_usd": "Discounted capital charge within the horizon, added "
                                     "back.",
    "capex_when_spent_usd": "Discounted conversion capex in the months construction starts, "
                            "taken off.",
    "contracted_tail_usd": "Discounted rent - power - opex the signed leases still bring "
                           "after the horizon, added.",
    "tenant_funded_capex_usd": "Discounted conversion capex the tenants fund "
                               "(tenant_capex_usd_mw), added back.",
    "prepayment_timing_usd": "Discounted prepayments received at signing less the "
                             "discounted rent they stand for: what paying early is worth.",
    "cash_npv_usd": "Planning NPV + capital charge - capex when spent + capex funded by "
                    "tenants + contracted tail + prepayment timing.",
    "lease_structure": "Who pays the hall's power: nnn or modified_gross (the tenant), gross "
                       "(the owner); else what power_pass_through says.",
    "tenant_capex_usd": "Conversion capex of the project the tenant funds "
                        "(tenant_capex_usd_mw x lease MW, at most the project's capex).",
    "prepayment_usd": "Rent received at signing: prepayment_share of the lease's rent from "
                      "the plan's first month.",
    "renewal_rent_usd": "Expected rent of the renewal options after the firm term "
                        "(renewal_probability ^ j for the j-th).",
    "renewal_options_usd": "Discounted expected rent - power - opex of the renewal options, "
                           "added.",
    "loan_usd": "The project's loan: loan_to_cost x its owner capex, drawn as it is spent.",
    "equity_usd": "Owner capex less the loan: the equity the project needs.",
    "levered_irr_pct": "IRR of the project's cash flows after the loan (draws, interest, "
                       "principal), annualized as the unlevered IRR.",
    "min_dscr_factor": "Smallest monthly NOI / debt service from rent commencement to the "
                       "loan's last month (a bullet's final repayment left out).",
    "contracted_backlog_usd": "Rent the plan's leases are owed from its first month to the "
                              "end of their terms.",
    "backlog_after_horizon_usd": "The part of the backlog after the horizon.",
    "walt_years": "Weighted average lease term from the plan's first month, weighted by "
                  "each lease's annual rent at commencement.",
    "rent_share_by_tenant": "Each tenant's share of the contracted backlog.",
    "in_horizon": "Whether the month is inside the plan's horizon (else the contracted tail).",
    "rent_usd": "Rent the project's lease earns that month (after rent-free months, "
                "escalated, scaled by the tenant's credit and the chance it has not "
                "terminated), with the expected termination fee.",
    "termination_fee_usd": "The expected termination fee in that month's rent_usd: the "
                           "chance the tenant ends the lease then x the fee "
                           "(termination_fee_months, stepping down each lease year).",
    "net_cash_flow_usd": "Prepayment + rent - capex - power - opex of the project that month.",
    "discounted_cash_flow_usd": "net_cash_flow_usd x discount_factor.",
}
"""What each output column is and how it is computed, for the header notes."""
OUTPUT_COLUMNS.update({k: v for k, v in RISK_COLUMNS.items() if k not in OUTPUT_COLUMNS})


def output_note(name: str) -> str:
    """The note on an output header: the label, the machine name and what the column is."""
    key = name.rpartition(": ")[2].strip().lower()
    text = OUTPUT_COLUMNS.get(key)
    if text is None and key.endswith(("_factor", "_change")):
        text = ("Swept value as a factor on the base input." if key.endswith("_factor")
                else "Swept value added to the base input.")
    head = f"{output_label(name)}\nColumn name: {name}"
    return f"{head}\n{text}" if text else head
