"""Fleet to LP to solution: coefficients, the LP's families, solvers and infeasibility in words.

The flow is ``coefficients`` (fleet -> arrays) -> ``lp`` (arrays -> the matrix model, one
function per constraint family) -> ``backends`` (HiGHS directly, or any PuLP solver) ->
a :class:`~allocator.optimization.backends.Solution`. Nothing here reads or writes a file or
knows a DataFrame.
"""
