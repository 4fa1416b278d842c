"""Live connections whose client vanished (a process killed, a laptop shut) release the server's
threads: with the ping settings, an abandoned connection is dropped within ping interval +
timeout, and a connection whose TCP socket closed at once. Counted from /proc (Linux)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import SAMPLE
from tests.webtools import Server, seed_db

CLIENT = textwrap.dedent("""
    import sys, time, socketio
    url, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    clients = []
    for _ in range(n):
        c = socketio.Client(reconnection=False)
        c.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=10)
        clients.append(c)
    print("connected", flush=True)
    time.sleep(600)
""")


def threads_of(pid: int) -> int:
    """Threads of the server: the process and its children (gunicorn's worker runs the app)."""
    procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    return sum(len(list(Path(f"/proc/{p.pid}/task").iterdir())) for p in procs)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="counts threads through /proc")
@pytest.mark.parametrize("how", ["killed", "stopped"])
def test_threads_of_vanished_clients_are_released(tmp_path, how):
    db = tmp_path / "v.db"
    tokens = seed_db(db, [json.loads(SAMPLE.read_text())])
    token = next(iter(tokens["ai4trad-2027"].values()))
    server = Server(db, extra_env={"MATCHMAKING_SOCKET_PING_INTERVAL": "1", "MATCHMAKING_SOCKET_PING_TIMEOUT": "1",
                                   "MATCHMAKING_STANDBY_TICK": "0"})  # fmt: skip
    clients: list[subprocess.Popen] = []

    def vanish_ten() -> int:
        """Open 10 live connections from a client process, make it vanish, and return the server's
        threads once the dead connections are dropped (they are idle in the pool again)."""
        before = threads_of(server.proc.pid)
        client = subprocess.Popen([sys.executable, "-c", CLIENT, server.url, token, "10"],
                                  stdout=subprocess.PIPE, text=True)  # fmt: skip
        clients.append(client)
        assert client.stdout.readline().strip() == "connected"
        assert threads_of(server.proc.pid) >= min(before, baseline + 10)  # a thread per live connection
        # killed: the kernel closes its sockets; stopped: they stay open and silent (a frozen laptop)
        client.send_signal(signal.SIGKILL if how == "killed" else signal.SIGSTOP)
        time.sleep(2.5)  # ping interval + timeout (1 s + 1 s): the server gives up on them
        return threads_of(server.proc.pid)

    try:
        time.sleep(0.5)
        baseline = threads_of(server.proc.pid)
        first = vanish_ten()
        # gunicorn keeps a pool: threads that were given back are reused, so ten more vanished
        # clients need no new ones; a thread still stuck on a dead connection would add ten
        second = vanish_ten()
        third = vanish_ten()
        assert third <= first + 2 and second <= first + 2, (baseline, first, second, third)
    finally:
        for client in clients:
            client.kill()
            client.wait()
            client.stdout.close()
        server.stop()
