"""A solution turned into the Plan's DataFrames, re-priced independently and checked.

``extract`` builds the :class:`~allocator.results.plan.Plan` from a solution, ``accounting``
re-prices it from its own tables without the LP, ``checks`` lists broken invariants. No
solver calls and no files here: the workbook writers take a Plan, a Plan never writes itself.
"""
