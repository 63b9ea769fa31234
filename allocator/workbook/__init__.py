"""Excel side of the product: the workbook contract, reading, writing, template; no solver here.

This package knows no PuLP; it turns workbooks into ``allocator.domain`` objects and a
``Plan``'s DataFrames into sheets.
"""
