"""The watchdog shuts a socket down past its deadline, and never after a disarm."""

from __future__ import annotations

import socket
import threading

from copilot.watchdog import Watchdog
from tests.docstrings import assert_examples_hold


def test_docstring_examples_hold() -> None:
    assert_examples_hold("copilot.watchdog")


def test_a_disarmed_deadline_never_touches_the_socket() -> None:
    dog = Watchdog()
    a, b = socket.socketpair()
    try:
        deadline = dog.arm(a, seconds=0.05)
        assert dog.disarm(deadline).fired is False
        # Another deadline on another socket fires after the first one was due...
        c, d = socket.socketpair()
        try:
            fired = dog.arm(c, seconds=0.1)
            assert c.recv(1) == b""  # unblocked by the shutdown
            assert dog.disarm(fired).fired
        finally:
            c.close()
            d.close()
        # ...and the disarmed socket still works both ways.
        b.sendall(b"x")
        assert a.recv(1) == b"x"
        a.sendall(b"y")
        assert b.recv(1) == b"y"
    finally:
        a.close()
        b.close()


def test_many_threads_arm_and_disarm_concurrently() -> None:
    dog = Watchdog()
    pairs = [socket.socketpair() for _ in range(16)]
    fired: list[bool] = []

    def work(sock: socket.socket) -> None:
        for _ in range(200):
            fired.append(dog.disarm(dog.arm(sock, seconds=30)).fired)

    threads = [threading.Thread(target=work, args=(a,)) for a, _ in pairs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fired) == 16 * 200 and not any(fired)
    for a, b in pairs:
        b.sendall(b"x")
        assert a.recv(1) == b"x"
        a.close()
        b.close()
