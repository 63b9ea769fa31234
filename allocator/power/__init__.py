"""Hourly power prices inside the monthly plan: mining is flexible, HPC is firm.

The LP stays monthly. Each site-month's hourly (or 15-minute) prices are summarized once as a
binned price duration curve (:mod:`allocator.power.curve`); each tranche's mining margin with
curtailment at its strike is valued from that summary (:mod:`allocator.power.valuation`), so
a scenario or sweep that moves the hashprice re-values it without reading the prices again.
A seeded ERCOT-West-like price year for samples and tests is
:mod:`allocator.power.synthetic_prices`.
"""
