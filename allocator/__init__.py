"""fleet-allocator: split a mining fleet's power between bitcoin mining and HPC leasing."""

from allocator._version import __version__

__all__ = ["__version__"]
