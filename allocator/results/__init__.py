"""A solution turned into the Plan's DataFrames, re-priced independently and checked.

``extract`` builds the :class:`~allocator.results.plan.Plan` from a solution, stage by stage:
``decisions`` prices the miners run, the leases and the conversions, ``rollups`` adds them up
into site months, allocation, summary and site value. ``accounting`` re-prices a plan from its
own tables without the LP, ``checks`` lists broken invariants. No solver calls and no files
here: the workbook writers take a Plan, and ``Plan.to_parquet`` and ``to_csv`` hand its
frames to :mod:`allocator.exports`, which writes them.
"""
