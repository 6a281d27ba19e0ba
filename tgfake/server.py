"""The fake Bot API over HTTP on loopback, for running the real `python -m bot` offline.

    with serve(api) as base_url:      # base_url = "http://127.0.0.1:<port>/bot"
        ...  # BOT_API_BASE_URL=base_url, BOT_TOKEN=tgfake.api.BOT_TOKEN

Routes `GET|POST /bot<token>/<method>` to `FakeBotAPI.handle`, decoding the parameters as PTB's
`HTTPXRequest` sends them (form fields or multipart parts holding JSON-encoded values, or a JSON
body). `getUpdates` long-polls (at most 2 s) for updates queued with `FakeBotAPI.push_update`.
`GET /file/bot<token>/<file_path>` serves a file's bytes (`FakeBotAPI.download`). For manual
sandboxing, `POST /fake/update` queues an update (its sender and chat become known to the fake) and
`GET /fake/calls` lists the calls the bot made.

    python -m tgfake.server --port 8081
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tgfake.api import BOT_TOKEN, FakeBotAPI, InjectedNetworkError

MAX_POLL_SECONDS = 2.0
# Parameters that are text whatever they look like ("123" stays a string).
_STRING_PARAMS = frozenset({
    "text", "caption", "title", "description", "short_description", "name", "query",
    "file_id", "callback_query_id", "inline_query_id", "invite_link", "url", "question",
    "explanation",
})


def decode_value(key: str, value: Any) -> Any:
    """A form value as PTB sends it (JSON-encoded unless it was a string) back to Python."""
    if not isinstance(value, str) or key in _STRING_PARAMS:
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return decoded if isinstance(decoded, dict | list | int | float | bool) else value


def parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """Request parameters from a urlencoded, multipart or JSON body."""
    mime = content_type.split(";", 1)[0].strip().lower()
    raw: dict[str, Any] = {}
    if not body:
        pass
    elif mime == "application/json":
        loaded = json.loads(body)
        if not isinstance(loaded, dict):
            raise ValueError("a JSON body must be an object")
        raw = loaded
    elif mime == "multipart/form-data":
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not name:
                continue
            content = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename is not None:  # an uploaded file: hand the fake something not a file_id
                raw[name] = {"filename": filename, "content": content,
                             "mime_type": part.get_content_type()}
            else:
                raw[name] = content.decode(part.get_content_charset() or "utf-8")
    else:  # application/x-www-form-urlencoded, or no content type at all
        raw = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return {key: decode_value(key, value) for key, value in raw.items()}


class _Handler(BaseHTTPRequestHandler):
    server: _FakeServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet; the fake records every call anyway

    def _route(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            params = dict(parse_qsl(url.query, keep_blank_values=True))
            params = {key: decode_value(key, value) for key, value in params.items()}
            params.update(parse_body(self.headers.get("Content-Type", ""), body))
        except ValueError as exc:
            self._reply(400, {"ok": False, "error_code": 400,
                              "description": f"Bad Request: {exc}"})
            return
        parts = url.path.strip("/").split("/")
        if parts[0] == "fake":
            self._control(parts[1:], params)
        elif parts[0] == "file" and len(parts) >= 3 and self._token_ok(parts[1]):
            self._file("/".join(parts[2:]))
        elif len(parts) == 2 and parts[0].startswith("bot") and self._token_ok(parts[0]):
            self._api(parts[1], params)
        elif parts[0].startswith("bot") or parts[0] == "file":
            self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        else:
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    def _token_ok(self, segment: str) -> bool:
        token = self.server.token
        return segment.startswith("bot") and (token is None or segment[3:] == token)

    def _api(self, method: str, params: dict[str, Any]) -> None:
        api = self.server.api
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            api.confirm(offset)
            end = time.monotonic() + min(float(params.get("timeout") or 0), MAX_POLL_SECONDS)
            while not self.server.closing.is_set():  # a shutdown ends the long poll early
                left = end - time.monotonic()
                if left <= 0 or api.wait_for_updates(offset, min(left, 0.1)):
                    break
        if api.latency:
            time.sleep(api.latency)
        try:
            body = api.handle(method, params)
        except InjectedNetworkError:
            self.close_connection = True  # no answer at all: the client sees a network error
            return
        self._reply(200 if body["ok"] else int(body["error_code"]), body)

    def _file(self, file_path: str) -> None:
        content = self.server.api.download(file_path)
        if content is None:
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def _control(self, parts: list[str], params: dict[str, Any]) -> None:
        api = self.server.api
        if parts == ["update"] and self.command == "POST":
            _introduce(api, params)
            self._reply(200, {"ok": True, "result": api.push_update(params)})
        elif parts == ["calls"]:
            with api._lock:
                calls = [{"method": m, "params": p} for m, p in api.calls]
            self._reply(200, {"ok": True, "result": calls})
        else:
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, default=repr).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _introduce(api: FakeBotAPI, update: dict[str, Any]) -> None:
    """Make the sender and chat of a hand-written update known to the fake Telegram."""
    for value in update.values():
        if not isinstance(value, dict):
            continue
        user = value.get("from")
        chat = value.get("chat") or (value.get("message") or {}).get("chat")
        with api._lock:
            if isinstance(user, dict) and "id" in user and user["id"] not in api.users:
                api.add_user(user, started=True)
            if isinstance(chat, dict) and "id" in chat and chat["id"] not in api.chats:
                if chat.get("type") == "private":
                    api.chats[chat["id"]] = chat
                else:
                    api.add_group(chat["id"], chat.get("title", "group"))


class _FakeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], api: FakeBotAPI, token: str | None) -> None:
        super().__init__(address, _Handler)
        self.api = api
        self.token = token
        self.closing = threading.Event()

    def shutdown(self) -> None:
        self.closing.set()
        super().shutdown()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # the client went away: fine
            super().handle_error(request, client_address)


def start_server(
    api: FakeBotAPI, host: str = "127.0.0.1", port: int = 0, *, token: str | None = BOT_TOKEN
) -> tuple[ThreadingHTTPServer, str]:
    """Serve `api` from a background thread; returns the server and the Bot API base URL
    (`http://host:port/bot`, what BOT_API_BASE_URL expects). `token=None` accepts any token.
    Stop it with `server.shutdown(); server.server_close()`."""
    server = _FakeServer((host, port), api, token)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name="tgfake-server", daemon=True)
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    return server, f"http://{bound_host}:{bound_port}/bot"


@contextmanager
def serve(api: FakeBotAPI, host: str = "127.0.0.1", port: int = 0, *,
          token: str | None = BOT_TOKEN) -> Iterator[str]:
    """`start_server` as a context manager yielding the base URL; stops the server on exit."""
    server, base_url = start_server(api, host, port, token=token)
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the fake Telegram Bot API on loopback.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args(argv)
    api = FakeBotAPI()
    server, base_url = start_server(api, args.host, args.port)
    file_url = base_url.removesuffix("/bot") + "/file/bot"
    print(f"BOT_TOKEN={BOT_TOKEN}", flush=True)
    print(f"BOT_API_BASE_URL={base_url}", flush=True)
    print(f"BOT_API_BASE_FILE_URL={file_url}", flush=True)
    print(f"queue updates with: curl -d '<update JSON>' -H 'Content-Type: application/json' "
          f"{base_url.removesuffix('/bot')}/fake/update", flush=True)

    def stop() -> None:
        server.shutdown()
        server.server_close()

    run_until_interrupted(stop)
    return 0


def run_until_interrupted(stop: Callable[[], None]) -> None:
    """Block until Ctrl+C, then `stop`."""
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop()


if __name__ == "__main__":
    raise SystemExit(main())
