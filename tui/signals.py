"""The signals that stop keepbooks early: the command line and the app clean up on them."""

from __future__ import annotations

import signal


def stop_signals() -> list[int]:
    """SIGTERM (systemctl stop, kill) and SIGHUP (the terminal or SSH session closed) where the system
    has them; not one this process was started to ignore: under nohup, SIGHUP is ignored so that a
    backup outlives the session, and it must."""
    found = []
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) is not signal.SIG_IGN:
            found.append(signum)
    return found
