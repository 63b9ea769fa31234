"""The ``allocator`` command, one module per group of commands; the library never imports it."""
