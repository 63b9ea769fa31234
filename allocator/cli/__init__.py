"""The ``allocator`` command: thin click layers over the library, one module per group."""
