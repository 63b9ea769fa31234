"""Results as data: plans, comparisons, sweeps and Monte Carlo runs as named tables.

:mod:`allocator.exports.tables` turns a result into stable-named pandas DataFrames (``plan``,
``summary``, ``contracts``, ``site_value``, ``run_info``, ...; a ``scenario`` column where a
table holds several scenarios), :mod:`allocator.exports.columns` says each column's unit and
meaning (from the same text as the workbooks' header notes) and
:mod:`allocator.exports.folder` writes the tables as a folder of Parquet or CSV files with a
``metadata.json``, atomically. See ``docs/documents.md``.
"""
