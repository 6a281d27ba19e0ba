"""PTB's request layer, answered by the fake Bot API instead of the network."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

from tgfake.api import FakeBotAPI, InjectedNetworkError


class FakeRequest(BaseRequest):
    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> float | None:
        return 5.0

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
        params = dict(request_data.parameters) if request_data is not None else {}
        if self.api.latency:
            await asyncio.sleep(self.api.latency)
        try:
            body = self.api.handle(api_method, params)
        except InjectedNetworkError as exc:
            raise NetworkError(f"fake network error: {exc}") from exc
        status = 200 if body["ok"] else body["error_code"]
        return status, json.dumps(body).encode()
