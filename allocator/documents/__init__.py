"""The fleet as a text document (YAML or JSON) and the JSON Schema it is published with.

:mod:`allocator.documents.fleet_document` reads and writes the document through the
workbook's own validation; :mod:`allocator.documents.json_schema` makes the schema from the
workbook contract (:mod:`allocator.workbook.schema`). See ``docs/documents.md``.
"""
