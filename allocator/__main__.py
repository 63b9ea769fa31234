"""``python -m allocator``: the command line, as the ``allocator`` command."""

from allocator.cli.main import main

if __name__ == "__main__":
    main()
