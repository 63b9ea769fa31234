"""The fleet as a text document (YAML or JSON) or a folder of sheet CSVs, and the JSON Schema.

:mod:`allocator.documents.fleet_document` reads the document (and, through
:mod:`allocator.documents.csv_folder`, a folder of sheet CSVs) with the workbook's own
validation, :mod:`allocator.documents.conversion` writes both;
:mod:`allocator.documents.json_schema` makes the schema from the workbook contract
(:mod:`allocator.workbook.schema`). See ``docs/documents.md``.
"""
