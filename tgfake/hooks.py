"""A hook receiver on loopback (127.0.0.1, a free port), for tests and benchmarks: it records
every POST, checks its signature as the README tells a receiver to, and answers as told —
`status` (200, or 500 while "down"), after `delay` seconds, or never (`hang`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Any

from bot.hooks import SIGNATURE_HEADER, verify


@dataclass(frozen=True, slots=True)
class Received:
    event_id: str
    type: str
    body: dict[str, Any]
    signed: bool  # the signature matched the body and the secret
    status: int  # what the receiver answered
    header_id: str  # the Guildwork-Event-Id header

    @property
    def data(self) -> dict[str, Any]:
        return self.body["data"]


class HookReceiver:
    def __init__(self, secret: str, *, delay: float = 0.0, status: int = 200) -> None:
        self.secret = secret
        self.delay = delay
        self.status = status
        self.hang = False
        self.requests: list[Received] = []  # every POST, in the order they arrived
        self.hanging = 0  # requests held unanswered right now
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self._release = asyncio.Event()
        self.url = ""

    async def start(self) -> HookReceiver:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/events"
        return self

    async def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            # Closed connections end their handlers (an end of input); cancelled ones would
            # make asyncio's streams log the cancellation as an error.
            if self._handlers:
                await asyncio.wait(list(self._handlers), timeout=2)
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    @property
    def delivered(self) -> list[Received]:
        """What the receiver took (answered 2xx), repeats included."""
        return [r for r in self.requests if 200 <= r.status < 300]

    def events(self) -> dict[str, Received]:
        """Each event taken once, by its id (a repeat is recognised by it and dropped)."""
        return {r.event_id: r for r in reversed(self.delivered)}

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        handler = asyncio.current_task()
        if handler is not None:
            self._handlers.add(handler)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                if self.hang:
                    self.hanging += 1
                    try:
                        await self._release.wait()
                    finally:
                        self.hanging -= 1
                    return
                if self.delay:
                    await asyncio.sleep(self.delay)
                status = self.status
                self._record(headers, body, status)
                writer.write(f"HTTP/1.1 {status} {'OK' if status < 300 else 'Error'}\r\n"
                             "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nok".encode())
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            self._writers.discard(writer)
            if handler is not None:
                self._handlers.discard(handler)
            writer.close()

    def _record(self, headers: dict[str, str], body: bytes, status: int) -> None:
        parsed = json.loads(body)
        self.requests.append(Received(
            event_id=parsed["id"], type=parsed["type"], body=parsed,
            signed=verify(self.secret, body, headers.get(SIGNATURE_HEADER.lower(), "")),
            status=status, header_id=headers.get("guildwork-event-id", "")))
