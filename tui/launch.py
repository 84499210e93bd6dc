"""The keepbooks console script's entry point (pyproject.toml). It imports the command line only once
running, inside its own try: Ctrl-C while the command line loads (its imports take a tenth of a second)
printed a KeyboardInterrupt traceback through the imports; it exits 130 quietly now, as a command does."""

from __future__ import annotations

EXIT_INTERRUPTED = 130  # as tui.cli's, which may not be loaded yet


def main() -> int:
    try:
        from tui.cli import main as run_command_line

        return run_command_line()
    except KeyboardInterrupt:  # before tui.cli's main catches it (in its imports), or after
        return EXIT_INTERRUPTED
