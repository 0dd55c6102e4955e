"""Which files ``copilot index`` reads: paths named, directories walked, kinds checked.

Everything here looks at names and ``stat`` only; nothing is opened, so a named pipe or a
device can be told apart before a read that would block or never end.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from copilot.errors import IngestError

__all__ = ["JSON_LINES", "READABLE", "input_files"]

log = logging.getLogger(__name__)

#: What ``copilot index`` reads, by file name ending, for its messages.
READABLE = ".jsonl or .ndjson (JSON Lines), .json (an array of records), .eml or .mbox"
JSON_LINES = (".jsonl", ".ndjson")
_MAIL = (".eml", ".mbox")


def _readable_file(f: Path, *, named: bool) -> bool:
    suffix = f.suffix.lower()
    if suffix == ".json":
        # Only when named: a directory's .json is more often something else (the
        # sample's truth.json beside its crm.jsonl, a config) than an export.
        return named
    return suffix in (*JSON_LINES, *_MAIL) or f.name == "mbox"


def _kind_of(path: Path) -> str:
    """What a path that is neither a regular file nor a directory is, for a message."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "a broken symbolic link" if path.is_symlink() else "not readable"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _walk(folder: Path) -> list[Path]:
    """The files ingest reads under ``folder``, in name order; the rest warned about.

    A symbolic link to a directory is not followed: a link in an export folder can lead
    anywhere (a home directory, a shared drive, back up the tree), and what a run indexes
    should be what was named. Naming the linked directory itself indexes it.
    """
    files: list[Path] = []
    for f in sorted(folder.rglob("*")):
        if f.is_dir():
            if f.is_symlink():
                log.warning(
                    "skipping %s: a symbolic link to a directory is not followed "
                    "(name the directory itself to index it)",
                    f,
                )
        elif not f.is_file():
            log.warning("skipping %s: %s, not a regular file", f, _kind_of(f))
        elif _readable_file(f, named=False):
            files.append(f)
        elif f.suffix.lower() == ".json":
            log.warning("skipping %s: a .json file is read only when named on its own", f)
        else:
            log.warning("skipping %s: not %s", f, READABLE)
    return files


def input_files(paths: Sequence[Path]) -> list[Path]:
    """The files ``paths`` name, directories walked (in name order), checked up front.

    A file named on its own must be one ingest reads; inside a directory other files
    (a README, a CSV export beside the JSON Lines) are skipped with a warning, and so are
    ``.json`` files, which are read only when named on their own, and whatever is not a
    regular file (a named pipe, a socket, a broken link, a link to a directory).

    Raises:
        IngestError: A path does not exist, is neither a regular file nor a directory
            (a named pipe would block the run forever), or is a file that is not one of
            :data:`READABLE`.
    """
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += _walk(p)
        elif p.is_file():
            if not _readable_file(p, named=True):
                raise IngestError(f"cannot read {str(p)!r}: ingest reads {READABLE}")
            files.append(p)
        elif p.exists():
            raise IngestError(
                f"cannot read {str(p)!r}: it is {_kind_of(p)}; ingest reads regular files "
                "and directories"
            )
        else:
            raise IngestError(f"input path {str(p)!r} does not exist")
    return files
