"""PTB's request layer, answered by the fake Bot API instead of the network."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

from tgfake.api import UPLOAD_NAMES, UPLOADS, FakeBotAPI, InjectedNetworkError


class OfflineRequest(BaseRequest):
    """A request layer with nothing to open or close: the base of the offline ones."""

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> float | None:
        return 5.0


class FakeRequest(OfflineRequest):
    """Answers from `api`; `latency` (seconds, or a function of the method) simulates the network.

    It also counts requests in flight, overall and per chat, so tests can see concurrency.
    """

    def __init__(self, api: FakeBotAPI,
                 latency: float | Callable[[str], float] | None = None) -> None:
        self.api = api
        self.latency = latency
        self.in_flight = 0
        self.max_in_flight = 0
        self._chat_in_flight: Counter[int] = Counter()
        self.max_in_flight_per_chat: Counter[int] = Counter()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        if "/file/bot" in url:  # a download of a file (after getFile)
            content = self.api.download(url.split("/file/bot", 1)[1].split("/", 1)[1])
            return (200, content) if content is not None else (404, b"Not Found")
        params = dict(request_data.parameters) if request_data is not None else {}
        if request_data is not None and request_data.multipart_data:
            # Uploaded files (multipart): their field names and bytes, as Telegram gets them.
            params[UPLOADS] = {name: part[1] for name, part in
                               request_data.multipart_data.items()}
            params[UPLOAD_NAMES] = {name: part[0] for name, part in
                                    request_data.multipart_data.items()}
        chat_id = params.get("chat_id")
        delay = self.latency(api_method) if callable(self.latency) else (
            self.latency or self.api.latency)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        if isinstance(chat_id, int):
            self._chat_in_flight[chat_id] += 1
            self.max_in_flight_per_chat[chat_id] = max(
                self.max_in_flight_per_chat[chat_id], self._chat_in_flight[chat_id])
        try:
            if delay and api_method != "getUpdates":
                await asyncio.sleep(delay)
            try:
                body = self.api.handle(api_method, params)
            except InjectedNetworkError as exc:
                raise NetworkError(f"fake network error: {exc}") from exc
        finally:
            self.in_flight -= 1
            if isinstance(chat_id, int):
                self._chat_in_flight[chat_id] -= 1
        status = 200 if body["ok"] else body["error_code"]
        return status, json.dumps(body).encode()
