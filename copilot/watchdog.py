"""A deadline on a database connection: past it, the connection's socket is shut down.

PostgreSQL's own ``statement_timeout`` ends a statement that runs too long, but only a
server that is running can enforce it. A server that does not answer at all (a stopped
or frozen process, a paused VM, a network path that drops packets) leaves libpq waiting
forever, and with it the request, its pooled connection and a worker thread.
:class:`Watchdog` shuts the socket down when the deadline passes: the waiting call
fails at once with ``psycopg.OperationalError``, and the pool discards the connection.

One daemon thread serves every deadline of the process; arming and disarming are a
heap push and a dictionary removal under one lock.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import socket
import threading
import time
from typing import Protocol

__all__ = ["Deadline", "Watchdog"]

log = logging.getLogger(__name__)


class _HasSocket(Protocol):
    def fileno(self) -> int: ...


class Deadline:
    """One armed deadline; :meth:`Watchdog.disarm` ends it. ``fired`` tells whether the
    socket was shut down."""

    __slots__ = ("fired", "seq")

    def __init__(self, seq: int) -> None:
        self.seq = seq
        self.fired = False


class Watchdog:
    """Shuts down a connection's socket when its deadline passes.

    Example:
        >>> import socket
        >>> a, b = socket.socketpair()
        >>> dog = Watchdog()
        >>> deadline = dog.arm(a, seconds=0.05)
        >>> a.recv(1)  # blocks until the watchdog shuts the socket down
        b''
        >>> dog.disarm(deadline).fired
        True
        >>> a.close(); b.close()
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int]] = []
        self._armed: dict[int, tuple[Deadline, int]] = {}  # seq -> (deadline, fd)
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, conn: _HasSocket, *, seconds: float) -> Deadline:
        """Shut ``conn``'s socket down ``seconds`` from now unless disarmed first."""
        deadline = Deadline(next(self._seq))
        with self._cond:
            self._armed[deadline.seq] = (deadline, conn.fileno())
            heapq.heappush(self._heap, (time.monotonic() + seconds, deadline.seq))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="db-watchdog", daemon=True)
                self._thread.start()
            self._cond.notify()
        return deadline

    def disarm(self, deadline: Deadline) -> Deadline:
        """End ``deadline``. Once this returns, its socket is never touched again, so the
        connection may go back to the pool (when it has not ``fired``)."""
        with self._cond:
            self._armed.pop(deadline.seq, None)
        return deadline

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][1] not in self._armed:
                    heapq.heappop(self._heap)  # disarmed in time
                if not self._heap:
                    self._cond.wait()
                    continue
                due, seq = self._heap[0]
                wait = due - time.monotonic()
                if wait > 0:
                    self._cond.wait(timeout=wait)
                    continue
                heapq.heappop(self._heap)
                deadline, fd = self._armed.pop(seq)
                # Under the lock: disarm() cannot return while the socket is being shut.
                deadline.fired = True
                _shut_down(fd)


def _shut_down(fd: int) -> None:
    try:
        sock = socket.socket(fileno=os.dup(fd))
    except OSError as err:  # already closed by its owner
        log.debug("watchdog: socket %d already gone: %s", fd, err)
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError as err:
        log.debug("watchdog: could not shut socket %d down: %s", fd, err)
    finally:
        sock.close()  # closes the duplicate only; the owner's descriptor stays open
