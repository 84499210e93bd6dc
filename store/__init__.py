"""keepbooks data layer: company books, the companies catalog and the .manager archive.

Nothing in this package imports textual: it is usable from scripts, the CLI and tests.
"""

__version__ = "0.1.0"
