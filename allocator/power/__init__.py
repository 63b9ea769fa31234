"""Hourly power prices inside the monthly plan: mining is flexible, HPC is firm.

The LP stays monthly. Each site-month's hourly (or 15-minute) prices are summarized once as a
binned price duration curve (:mod:`allocator.power.curve`); each tranche's mining margin with
curtailment at its strike is valued from that summary (:mod:`allocator.power.valuation`,
laid out for the LP by :mod:`allocator.power.flexible`, with fixed-price PPAs and resale), so
a scenario or sweep that moves the hashprice re-values it without reading the prices again.

- reading: :mod:`allocator.power.files` (CSV/Parquet with pyarrow, cells),
  :mod:`allocator.power.clock` (time zones), :mod:`allocator.power.series` (DST
  normalization, duplicates, gaps), :mod:`allocator.power.loading` (curves, coverage);
- charges and credits: :mod:`allocator.power.four_cp` (ERCOT 4CP),
  :mod:`allocator.power.credits` (demand response);
- :mod:`allocator.power.synthetic_prices`: a seeded ERCOT-West-like price year.
"""
