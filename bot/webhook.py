"""Webhook mode: Telegram POSTs each update to the bot's own HTTP server, which also answers
health checks.

Routes (plain HTTP; TLS ends at the proxy or load balancer in front, see the README):

- `POST <the WEBHOOK_URL's path>`: an update. Without the right `X-Telegram-Bot-Api-Secret-Token`
  it is refused with 403 and never handled. The answer (200) comes once the update is handled,
  so an update in hand at a crash is redelivered by Telegram (and `processed_updates` keeps a
  redelivery of one already handled from running twice). While the bot starts or stops it
  answers 503: Telegram keeps the update and tries again later. With several instances on one
  PostgreSQL it answers 503 too while another instance has the same update in hand
  (`bot.services.updates`): one handles it, and the repeat is dropped once it is done.
- `GET /healthz`: 200 while the process runs (liveness).
- `GET /readyz`: 200 when updates are taken (application started, database writable), else 503.

A stop (SIGTERM or SIGINT) turns `/readyz` to 503 and refuses new updates first, then lets the
updates in hand finish, stops the application (its jobs), and lets the outbox's sends in flight
finish and be marked (`on_stop`) before the database closes and the server goes. A second signal
cuts the stop short.

PTB's own `run_webhook` (the same tornado server) serves only the update path, so this module
builds the small tornado application itself, with PTB's public pieces: `Update.de_json` and the
application's update processor.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
import signal
from collections.abc import Awaitable, Callable
from enum import StrEnum
from http import HTTPStatus
from typing import Any

import tornado.httpserver
import tornado.web
from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from bot.services.updates import Taken
from storage.health import check_writable

log = logging.getLogger(__name__)
Hook = Callable[[Application], Awaitable[None]]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
READY_CHECK_SECONDS = 2.0  # a writer held up longer than this is not ready to take updates


class WebhookError(Exception):
    """The webhook server can't start (e.g. its port is taken); the message says why."""


class Phase(StrEnum):
    STARTING = "starting"
    READY = "ready"
    STOPPING = "stopping"


class WebhookState:
    """Where the bot is in its life, and the updates being handled now (drained at a stop)."""

    def __init__(self, application: Application, secret: str) -> None:
        self.application = application
        self.secret = secret.encode()
        self.phase = Phase.STARTING
        self.in_hand: set[asyncio.Task[Any]] = set()

    async def drain(self) -> None:
        """Wait for the updates in hand (no new one is taken once the phase has moved on)."""
        while self.in_hand:
            await asyncio.gather(*self.in_hand, return_exceptions=True)


class _Base(tornado.web.RequestHandler):
    state: WebhookState

    def initialize(self, state: WebhookState) -> None:
        self.state = state

    def _answer(self, status: HTTPStatus, text: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(text + "\n")


class UpdateHandler(_Base):
    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.state.secret):
            log.warning("webhook: refused a call from %s without the right secret token",
                        self.request.remote_ip)
            self._answer(HTTPStatus.FORBIDDEN, "forbidden")
            return
        if self.state.phase is not Phase.READY:
            self._answer(HTTPStatus.SERVICE_UNAVAILABLE, self.state.phase.value)
            return
        application = self.state.application
        try:
            data = json.loads(self.request.body)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            update = Update.de_json(data, application.bot)
        except Exception as exc:  # not JSON, or not an update: a retry would fail the same way
            log.warning("webhook: refused a body that is no update (%r)", exc)
            self._answer(HTTPStatus.BAD_REQUEST, "not an update")
            return
        # Taken into hand with no wait since the phase was checked, so a stop that begins
        # after this point drains it.
        task = asyncio.create_task(self._handle(update), name=f"webhook-{update.update_id}")
        self.state.in_hand.add(task)
        task.add_done_callback(self.state.in_hand.discard)
        # The client going away must not cancel the handling.
        taken = await asyncio.shield(task)
        if taken is Taken.ELSEWHERE:  # another instance handles it now: Telegram tries again
            log.info("webhook: update %s is in hand elsewhere", update.update_id)
            self._answer(HTTPStatus.SERVICE_UNAVAILABLE, "in hand elsewhere")
            return
        self._answer(HTTPStatus.OK, "ok")

    async def _handle(self, update: Update) -> Taken:
        """Handle the update unless another instance has it in hand, or had it."""
        application = self.state.application
        services = application.bot_data.services
        assert services is not None  # built by post_init before the phase is READY
        updates = services.updates
        taken = await updates.take(update.update_id)
        if taken is Taken.NEW:
            try:
                await application.update_processor.process_update(
                    update, application.process_update(update))
            finally:
                await updates.finish(update.update_id)
        return taken


class HealthHandler(_Base):
    def get(self) -> None:
        self._answer(HTTPStatus.OK, "alive")


class ReadyHandler(_Base):
    async def get(self) -> None:
        state = self.state
        services = state.application.bot_data.services
        if state.phase is not Phase.READY or services is None:
            self._answer(HTTPStatus.SERVICE_UNAVAILABLE, state.phase.value)
            return
        try:
            await asyncio.wait_for(check_writable(services.db), READY_CHECK_SECONDS)
        except Exception as exc:
            log.warning("readyz: the database is not writable: %r", exc)
            self._answer(HTTPStatus.SERVICE_UNAVAILABLE, "database not writable")
            return
        self._answer(HTTPStatus.OK, "ready")


class _Quiet(tornado.web.Application):
    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        pass  # every Telegram call at INFO would drown the bot's own log


def web_application(state: WebhookState, update_path: str) -> tornado.web.Application:
    base = re.escape(update_path.rstrip("/"))
    return _Quiet([
        (r"/healthz", HealthHandler, {"state": state}),
        (r"/readyz", ReadyHandler, {"state": state}),
        (base + "/?" if base else "/", UpdateHandler, {"state": state}),
    ])


async def serve(
    application: Application,
    settings: Settings,
    post_init: Hook | None = None,
    post_stop: Hook | None = None,
    post_shutdown: Hook | None = None,
) -> None:
    """Run the bot in webhook mode until SIGTERM or SIGINT: the webhook mode's `run_polling`,
    running the hooks as it does."""
    state = WebhookState(application, settings.webhook_secret)
    server = tornado.httpserver.HTTPServer(web_application(state, settings.webhook_path),
                                           xheaders=True)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    main = asyncio.current_task()

    def on_signal() -> None:
        # A start that waits on the Bot API is cut short, and so is a stop signalled twice (as
        # in polling mode): sends cut off then go out again after the restart.
        if (state.phase is Phase.STARTING or stop.is_set()) and main is not None:
            main.cancel()
        stop.set()

    signals = (signal.SIGTERM, signal.SIGINT)
    for signum in signals:
        loop.add_signal_handler(signum, on_signal)
    # Health first: a process that is starting is alive, not ready.
    try:
        server.listen(settings.webhook_port, address=settings.webhook_listen)
    except OSError as exc:
        for signum in signals:
            loop.remove_signal_handler(signum)
        raise WebhookError(f"the webhook server can't listen on {settings.webhook_listen}:"
                           f"{settings.webhook_port} ({exc.strerror or exc}): set WEBHOOK_LISTEN "
                           f"or WEBHOOK_PORT.") from None
    log.info("webhook server listening on %s:%s (updates at %s)", settings.webhook_listen,
             settings.webhook_port, settings.webhook_path)
    try:
        await application.initialize()
        try:
            if post_init is not None:
                await post_init(application)
            await application.start()
            state.phase = Phase.READY
            await application.bot.set_webhook(
                settings.webhook_url, secret_token=settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
            log.info("webhook set: Telegram sends updates to %s", settings.webhook_url)
            await stop.wait()
        finally:
            state.phase = Phase.STOPPING
            log.info("stopping: no new updates; finishing %s in hand", len(state.in_hand))
            await state.drain()
            if application.running:
                await application.stop()
                if post_stop is not None:
                    await post_stop(application)
            await application.shutdown()
            if post_shutdown is not None:
                await post_shutdown(application)
    finally:
        server.stop()
        await server.close_all_connections()
        for signum in signals:
            loop.remove_signal_handler(signum)


def run(application: Application, settings: Settings) -> None:
    """`serve` in an event loop of its own; a stop during the start returns quietly."""
    with contextlib.suppress(asyncio.CancelledError):
        asyncio.run(serve(application, settings, application.post_init,
                          application.post_stop, application.post_shutdown))
