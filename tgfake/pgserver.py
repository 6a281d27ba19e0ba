"""A throwaway PostgreSQL server on loopback for a command: `python -m tgfake.pgserver CMD…`.

Makes a cluster in a temporary folder (Debian's `initdb`, run as the `postgres` user when
started as root, since PostgreSQL refuses to run as root), starts it on a free port of
127.0.0.1 with durability off (a test server: nothing in it outlives the run), runs CMD with
GUILDWORK_TEST_POSTGRES set to its URL, stops it and removes the folder. Exits with CMD's code.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from tgfake.pgtest import ENV

USER = "guildwork"


def _bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if found is None:
        sys.exit(f"{name} not found: `make postgres` installs PostgreSQL (Debian's package).")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def server() -> Iterator[str]:
    folder = tempfile.mkdtemp(prefix="guildwork-pg-")
    data = os.path.join(folder, "data")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    port = _free_port()
    ctl = _bin("pg_ctl")
    try:
        subprocess.run(_as_server_user([_bin("initdb"), "-D", data, "-A", "trust", "-U", USER,
                                        "-E", "UTF8", "--locale=C.UTF-8"]),
                       check=True, stdout=subprocess.DEVNULL)
        options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off"
                   " -c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
        subprocess.run(_as_server_user([ctl, "-D", data, "-o", options, "-l",
                                        os.path.join(folder, "log"), "-w", "start"]),
                       check=True, stdout=subprocess.DEVNULL)
        try:
            yield f"postgresql://{USER}@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(_as_server_user([ctl, "-D", data, "-m", "immediate", "stop"]),
                           stdout=subprocess.DEVNULL, check=False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    command = sys.argv[1:]
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        sys.exit(__doc__)
    with server() as url:
        print(f"PostgreSQL for the tests at {url}", flush=True)
        return subprocess.run(command, env={**os.environ, ENV: url}, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
