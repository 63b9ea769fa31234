"""Many solves of one fleet (scenario changes, comparisons, sweeps, Monte Carlo); no files.

``parameters`` names what a change may touch and ``changes`` turns a :class:`Scenario` into a
modified fleet; ``compare``, ``sweep`` and ``montecarlo`` build ``cases``, send them to an
``executors`` back end and gather the figures. The public names are exported from
``allocator``; this package imports nothing, so the workbook reader can use ``changes``
without loading the solve machinery.
"""
