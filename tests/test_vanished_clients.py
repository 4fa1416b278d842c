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
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="counts threads through /proc")
@pytest.mark.parametrize("how", ["killed", "stopped"])
def test_threads_of_vanished_clients_are_released(tmp_path, how):
    db = tmp_path / "v.db"
    tokens = seed_db(db, [json.loads(SAMPLE.read_text())])
    token = next(iter(tokens["ai4trad-2027"].values()))
    server = Server(db, extra_env={"MATCHMAKING_SOCKET_PING_INTERVAL": "1", "MATCHMAKING_SOCKET_PING_TIMEOUT": "1",
                                   "MATCHMAKING_STANDBY_TICK": "0"})  # fmt: skip
    try:
        time.sleep(0.5)
        baseline = threads_of(server.proc.pid)
        client = subprocess.Popen([sys.executable, "-c", CLIENT, server.url, token, "10"],
                                  stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert client.stdout.readline().strip() == "connected"
        assert threads_of(server.proc.pid) >= baseline + 10  # a thread per live connection
        # killed: the kernel closes its sockets; stopped: they stay open and silent (a frozen laptop)
        client.send_signal(signal.SIGKILL if how == "killed" else signal.SIGSTOP)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and threads_of(server.proc.pid) > baseline + 2:
            time.sleep(0.2)
        assert threads_of(server.proc.pid) <= baseline + 2
    finally:
        client.kill()
        client.wait()
        client.stdout.close()
        server.stop()
