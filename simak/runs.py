"""Who is running: an identity for leases and claims, and whether a holder is still alive.

A holder is ``host:pid:nonce``. A lease or claim held by a process on this host that no
longer exists is free at once (a killed cron run does not block the next one until its
lease expires); holders on other hosts are trusted until their lease runs out.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterable


def new_holder() -> str:
    """A fresh identity for this process's run."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def is_dead(holder: str) -> bool:
    """True when ``holder`` was a process on this host that has exited."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, owned by someone else
        return False
    return False


def dead_among(holders: Iterable[str | None]) -> frozenset[str]:
    """The holders in ``holders`` known to be dead."""
    return frozenset(h for h in holders if h and is_dead(h))
