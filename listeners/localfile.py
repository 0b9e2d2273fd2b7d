"""Local files written by others: only regular files are read, never blocking, within a cap.

``/dev/zero`` has no end and a FIFO blocks until someone writes to it; both report a
size of 0, so a size check alone lets them through. :func:`open_regular` opens without
blocking and checks the opened file itself (no race between a check and the open).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotRegularFile(Exception):
    """The path is a device, a pipe, a directory or a socket."""

    def __init__(self, path: Path, kind: str) -> None:
        super().__init__(f"{path} is {kind}, not a regular file")
        self.path = path
        self.kind = kind


class TooLarge(Exception):
    """The file holds more than the cap allows."""


def kind_of(mode: int) -> str:
    """What a file mode describes, in words ("a FIFO (named pipe)")."""
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def open_regular(path: Path) -> BinaryIO:
    """Open ``path`` for binary reading if it is a regular file (symlinks followed).

    Raises :class:`NotRegularFile` for anything else, OSError when it cannot be opened.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(path, kind_of(mode))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_capped(path: Path, cap: int) -> bytes:
    """The whole regular file at ``path``; :class:`TooLarge` past ``cap`` bytes.

    Reads at most ``cap + 1`` bytes whatever the file claims its size is.
    """
    with open_regular(path) as handle:
        data = handle.read(cap + 1)
    if len(data) > cap:
        raise TooLarge(f"{path} is larger than {cap} bytes")
    return data
