"""The fake Bot API: answers the methods the bot uses with realistic JSON and records every call.

It holds the world as Telegram would see it: users (who has started the bot, who blocked it),
chats (private and group, with each member's status), messages the bot sent per chat, files.
Failures can be injected per method and chat: a 429 with `retry_after`, a 403, a network error.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

BOT_ID = 7_000_000_001
BOT_USERNAME = "guildwork_test_bot"
BOT_TOKEN = f"{BOT_ID}:TEST-token-for-the-offline-fake-bot-api"

UPLOADS = "__uploads__"  # the request layer puts uploaded files' bytes here, by field name
UPLOAD_NAMES = "__upload_names__"  # and their file names
# What Telegram takes from a bot: a photo up to 10 MB, any other file up to 50 MB.
PHOTO_UPLOAD_LIMIT, UPLOAD_LIMIT = 10 * 1024 * 1024, 50 * 1024 * 1024
# What a bot may download from Telegram's cloud Bot API (`getFile` refuses bigger files).
DOWNLOAD_LIMIT = 20 * 1024 * 1024
_SEND_MEDIA = {"sendDocument": "document", "sendPhoto": "photo", "sendVoice": "voice",
               "sendAudio": "audio", "sendVideo": "video", "sendAnimation": "animation"}


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    migrate_to: int | None = None

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code,
                                "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        if self.migrate_to is not None:
            body["parameters"] = {"migrate_to_chat_id": self.migrate_to}
        return body


class InjectedNetworkError(Exception):
    """Raised by the request layer as a network failure (no HTTP answer at all)."""


@dataclass
class Sent:
    """One message the bot sent (or an edit of it, or an answered button press)."""

    method: str
    chat_id: int
    message_id: int | None
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[dict[str, str]]:
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]

    @property
    def button_texts(self) -> list[str]:
        return [b["text"] for b in self.buttons]


@dataclass
class _UserState:
    user: dict[str, Any]
    started: bool
    blocked: bool = False


@dataclass
class _Fault:
    method: str
    chat_id: int | None
    kind: str  # see FakeBotAPI.fail_next
    retry_after: int
    remaining: int


class FakeBotAPI:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._updates_changed = threading.Condition(self._lock)
        self.bot_user = {"id": BOT_ID, "is_bot": True, "first_name": "Guildwork",
                         "username": BOT_USERNAME, "can_join_groups": True,
                         "can_read_all_group_messages": False,
                         "supports_inline_queries": False}
        self.users: dict[int, _UserState] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.members: dict[int, dict[int, str]] = defaultdict(dict)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.sent: dict[int, list[Sent]] = defaultdict(list)
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        # The bytes of files users sent, by file_id, for downloads (`getFile`, then GET).
        self.file_content: dict[str, bytes] = {}
        self.download_limit = DOWNLOAD_LIMIT  # a self-hosted Bot API server allows 2000 MB
        self.gone: set[str] = set()  # file_ids Telegram no longer has (`forget_file`)
        self.uploads: list[tuple[str, str, int]] = []  # (kind, new file_id, size) per upload
        self.uploaded: dict[str, bytes] = {}  # what the bot uploaded, by its new file_id
        self.uploaded_names: dict[str, str] = {}  # and the file names it gave them
        self.answered_queries: set[object] = set()  # a query is answered once
        self.invite_links: list[str] = []
        # Calls Telegram would answer with 400 (bad HTML, too long, no such chat; not getFile), as
        # (method, chat id, description); injected faults are not counted.
        self.refused: list[tuple[str, int | None, str]] = []
        self._faults: list[_Fault] = []
        self._message_ids: dict[int, itertools.count[int]] = defaultdict(
            lambda: itertools.count(1))
        self._update_ids = itertools.count(1)
        self.pending_updates: list[dict[str, Any]] = []
        self.latency = 0.0  # seconds each call takes, applied by the request layer

    # --- the world -----------------------------------------------------------------------

    def add_user(self, user: dict[str, Any], *, started: bool = True) -> None:
        with self._lock:
            self.users[user["id"]] = _UserState(user, started)
            self.chats[user["id"]] = {"id": user["id"], "type": "private",
                                      "first_name": user["first_name"],
                                      **({"username": user["username"]}
                                         if user.get("username") else {})}

    def add_group(self, chat_id: int, title: str) -> dict[str, Any]:
        with self._lock:
            chat = {"id": chat_id, "type": "supergroup", "title": title}
            self.chats[chat_id] = chat
            return chat

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """status: creator, administrator, member, left, kicked."""
        with self._lock:
            self.members[chat_id][user_id] = status

    def mark_started(self, user_id: int) -> None:
        with self._lock:
            state = self.users.get(user_id)
            if state is not None:
                state.started = True
                state.blocked = False

    def block(self, user_id: int) -> None:
        with self._lock:
            self.users[user_id].blocked = True

    def next_message_id(self, chat_id: int) -> int:
        with self._lock:
            return next(self._message_ids[chat_id])

    def next_update_id(self) -> int:
        with self._lock:
            return next(self._update_ids)

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates (any thread); gives it an update_id if it has none."""
        with self._updates_changed:
            if "update_id" not in update:
                update = {"update_id": next(self._update_ids), **update}
            self.pending_updates.append(update)
            self._updates_changed.notify_all()
            return int(update["update_id"])

    def confirm(self, offset: int) -> None:
        """A getUpdates call with `offset` confirms every update before it (as Telegram does,
        when the call arrives, not when its long poll ends)."""
        with self._lock:
            self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]

    def wait_for_updates(self, offset: int, timeout: float) -> bool:
        """Block until an update with update_id >= offset is pending, or `timeout` passes."""
        with self._updates_changed:
            return self._updates_changed.wait_for(
                lambda: any(u["update_id"] >= offset for u in self.pending_updates),
                timeout=max(timeout, 0.0))

    def fail_next(self, method: str, *, chat_id: int | None = None, kind: str = "retry_after",
                  retry_after: int = 1, times: int = 1) -> None:
        """The next `times` calls of `method` ("*": any) to `chat_id` (None: any chat) fail:
        retry_after (429), forbidden (403), bad_request (400), unauthorized (401), network
        (no answer), timeout_after (carried out, answer lost), server_error (502), migrated
        (400 with `retry_after` as the new chat id)."""
        with self._lock:
            self._faults.append(_Fault(method, chat_id, kind, retry_after, times))

    # --- reading what happened ---------------------------------------------------------------

    def messages(self, chat_id: int) -> list[Sent]:
        with self._lock:
            return list(self.sent[chat_id])

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [params for name, params in self.calls if name == method]

    def find_message(self, chat_id: int, message_id: int) -> Sent | None:
        for sent in reversed(self.sent[chat_id]):
            if sent.message_id == message_id and not sent.method.startswith("edit"):
                return sent
        return None

    # --- answering ---------------------------------------------------------------------------

    def handle(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Answer one Bot API call; returns the JSON body Telegram would return."""
        with self._lock:
            self.calls.append((method, params))
            try:
                late = self._check_fault(method, params)
            except ApiError as error:
                return error.payload()
            try:
                result = self._dispatch(method, params)
            except ApiError as error:
                # (A file getFile won't give is news about the file, not a mistake.)
                if error.code == 400 and method != "getFile":
                    self.refused.append((method, _int_or_none(params.get("chat_id")),
                                         error.description))
                return error.payload()
            if late == "timeout_after":  # delivered, but the answer never came back
                raise InjectedNetworkError("timed out after delivery")
            return {"ok": True, "result": result}

    def _check_fault(self, method: str, params: dict[str, Any]) -> str | None:
        """Raise the fault injected for this call, if any; a fault that strikes after the
        call was carried out (a timeout after delivery) is returned instead."""
        chat_id = _int_or_none(params.get("chat_id"))
        for fault in self._faults:
            if fault.method in (method, "*") and fault.chat_id in (None, chat_id) \
                    and fault.remaining:
                fault.remaining -= 1
                self._faults = [f for f in self._faults if f.remaining]
                if fault.kind == "timeout_after":
                    return fault.kind
                if fault.kind == "server_error":
                    raise ApiError(502, "Bad Gateway")
                if fault.kind == "migrated":
                    error = ApiError(400, "Bad Request: group chat was upgraded to a supergroup "
                                     "chat")
                    error.migrate_to = fault.retry_after
                    raise error
                if fault.kind == "retry_after":
                    raise ApiError(429, f"Too Many Requests: retry after {fault.retry_after}",
                                   fault.retry_after)
                if fault.kind == "forbidden":
                    raise ApiError(403, "Forbidden: bot was blocked by the user")
                if fault.kind == "bad_request":
                    raise ApiError(400, "Bad Request: message text is empty")
                if fault.kind == "unauthorized":
                    raise ApiError(401, "Unauthorized")
                if fault.kind == "network":
                    raise InjectedNetworkError("connection reset by peer")
        return None

    def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return self.bot_user
        if method in ("deleteWebhook", "setWebhook", "close", "logOut", "sendChatAction",
                      "deleteMyCommands", "setMyDescription", "setMyShortDescription"):
            return True
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            ready = [u for u in self.pending_updates if u["update_id"] >= offset]
            self.pending_updates = ready
            return ready[:100]
        if method == "setMyCommands":
            scope = params.get("scope") or {"type": "default"}
            # One menu per scope and language: "all_private_chats", "all_private_chats:zh",
            # "chat:42" (a language_code narrows who sees it, as Telegram does).
            key = scope["type"] + (f":{scope['chat_id']}" if "chat_id" in scope else "")
            key += f":{params['language_code']}" if params.get("language_code") else ""
            self.commands[key] = list(params["commands"])
            return True
        if method == "getMyCommands":
            return self.commands.get("default", [])
        if method == "sendMessage":
            chat_id = self._writable_chat(params)
            check_text(params.get("text"), params.get("parse_mode"), TEXT_LIMIT)
            return self._record_message(method, chat_id, params, visible(params))
        if method in _SEND_MEDIA:
            chat_id = self._writable_chat(params)
            if params.get("caption"):
                check_text(params["caption"], params.get("parse_mode"), CAPTION_LIMIT,
                           caption=True)
            kind = _SEND_MEDIA[method]
            given = params.get(kind)
            file_ref = self._upload(kind, given, params, kind)
            # Over HTTP an upload arrives as its bytes ({"content": …}): kept, with its new id.
            stored = {**given, "file_id": file_ref} if isinstance(given, dict) else file_ref
            return self._record_message(method, chat_id, {**params, kind: stored},
                                        self._media_json(kind, file_ref))
        if method == "sendMediaGroup":
            chat_id = self._writable_chat(params)
            media = list(params.get("media") or [])
            if not 2 <= len(media) <= 10:
                raise ApiError(400, "Bad Request: wrong number of media in the album")
            messages = []
            for entry in media:
                if entry.get("caption"):
                    check_text(entry["caption"], entry.get("parse_mode"), CAPTION_LIMIT,
                               caption=True)
                kind = str(entry["type"])
                file_ref = self._upload(kind, entry.get("media"), params, "media")
                messages.append(self._record_message(
                    method, chat_id, {**entry, kind: file_ref}, self._media_json(kind, file_ref)))
            return messages
        if method == "editMessageMedia":
            chat_id = self._writable_chat(params)
            entry = dict(params["media"])
            if entry.get("caption"):
                check_text(entry["caption"], entry.get("parse_mode"), CAPTION_LIMIT,
                           caption=True)
            original = self.find_message(chat_id, int(params["message_id"]))
            if original is None or original.method not in (*_SEND_MEDIA, "sendMediaGroup"):
                raise ApiError(400, "Bad Request: there is no media in the message to edit")
            kind = str(entry["type"])
            file_ref = self._upload(kind, entry.get("media"), params, "media")
            original.params = {"chat_id": chat_id, kind: file_ref,
                               "caption": entry.get("caption"),
                               "parse_mode": entry.get("parse_mode"),
                               "reply_markup": params.get("reply_markup")}
            self.sent[chat_id].append(Sent(method, chat_id, original.message_id,
                                           dict(original.params)))
            return self._message_json(chat_id, original.message_id,
                                      self._media_json(kind, file_ref), original.params)
        if method == "editMessageText":
            chat_id = self._writable_chat(params)
            check_text(params.get("text"), params.get("parse_mode"), TEXT_LIMIT)
            message_id = int(params["message_id"])
            original = self.find_message(chat_id, message_id)
            if original is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            if original.params.get("text") == params["text"] and (
                original.params.get("reply_markup") == params.get("reply_markup")
            ):
                raise ApiError(400, "Bad Request: message is not modified")
            original.params = {**original.params, "text": params["text"],
                               "reply_markup": params.get("reply_markup")}
            self.sent[chat_id].append(Sent(method, chat_id, message_id, params))
            return self._message_json(chat_id, message_id, visible(params), params)
        if method == "editMessageReplyMarkup":
            chat_id = self._writable_chat(params)
            message_id = int(params["message_id"])
            original = self.find_message(chat_id, message_id)
            if original is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            original.params = {**original.params, "reply_markup": params.get("reply_markup")}
            self.sent[chat_id].append(Sent(method, chat_id, message_id, params))
            return self._message_json(chat_id, message_id, visible(original.params), params)
        if method == "answerCallbackQuery":
            if params.get("callback_query_id") in self.answered_queries:
                raise ApiError(400, "Bad Request: query is too old and response timeout "
                                    "expired or query id is invalid")
            self.answered_queries.add(params.get("callback_query_id"))
            self.sent[0].append(Sent(method, 0, None, params))
            return True
        if method == "getChat":
            chat = self.chats.get(_int_or_none(params["chat_id"]) or 0)
            if chat is None:
                raise ApiError(400, "Bad Request: chat not found")
            return chat
        if method == "getChatMember":
            return self._chat_member(int(params["chat_id"]), int(params["user_id"]))
        if method == "createChatInviteLink":
            link = f"https://t.me/+fake{len(self.invite_links) + 1:06d}"
            self.invite_links.append(link)
            return {"invite_link": link, "creator": self.bot_user, "creates_join_request": False,
                    "is_primary": False, "is_revoked": False}
        if method == "getFile":
            file_id = str(params.get("file_id") or "")
            meta = self.files.get(file_id)
            if meta is None or file_id in self.gone:
                raise ApiError(400, "Bad Request: wrong file_id or the file is temporarily"
                                    " unavailable")
            size = self._file_size(file_id)
            if size > self.download_limit:
                raise ApiError(400, "Bad Request: file is too big")
            return {"file_id": file_id, "file_unique_id": meta["file_unique_id"],
                    "file_size": size, "file_path": f"files/{file_id}"}
        raise ApiError(404, "Not Found: method not found")

    # --- files ---------------------------------------------------------------------------

    def forget_file(self, file_id: str) -> None:
        """Telegram no longer has the file: `getFile` refuses it from now on."""
        with self._lock:
            self.gone.add(file_id)

    def _file_size(self, file_id: str) -> int:
        content = self.file_content.get(file_id)
        return len(content) if content is not None else int(self.files[file_id]["file_size"])

    def download(self, file_path: str) -> bytes | None:
        """The bytes behind a `getFile` answer's file_path (None: no such file): what a user
        sent, or, for a file sent without them, `file_size` bytes made up from its id."""
        with self._lock:
            file_id = file_path.removeprefix("files/")
            if file_id not in self.files or file_id in self.gone:
                return None
            content = self.file_content.get(file_id)
            if content is None:
                size = int(self.files[file_id].get("file_size") or 0)
                seed = f"{file_id}\n".encode()
                content = (seed * (size // len(seed) + 1))[:size]
            return content

    def _writable_chat(self, params: dict[str, Any]) -> int:
        chat_id = _int_or_none(params.get("chat_id"))
        if chat_id is None or chat_id not in self.chats:
            raise ApiError(400, "Bad Request: chat not found")
        state = self.users.get(chat_id)
        if state is not None:
            if state.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if not state.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat_id

    def _record_message(self, method: str, chat_id: int, params: dict[str, Any],
                        content: dict[str, Any]) -> dict[str, Any]:
        message_id = next(self._message_ids[chat_id])
        self.sent[chat_id].append(Sent(method, chat_id, message_id, dict(params)))
        return self._message_json(chat_id, message_id, content, params)

    def _message_json(self, chat_id: int, message_id: int, content: dict[str, Any],
                      params: dict[str, Any]) -> dict[str, Any]:
        message = {"message_id": message_id, "date": int(time.time()),
                   "chat": self.chats[chat_id], "from": self.bot_user, **content}
        # Telegram shows only inline keyboards on a message (not ForceReply or reply keyboards).
        if (params.get("reply_markup") or {}).get("inline_keyboard"):
            message["reply_markup"] = params["reply_markup"]
        if params.get("caption"):
            message.update(visible(params, "caption"))
        return message

    def shown(self, sent: Sent) -> dict[str, Any]:
        """A message the bot sent, as Telegram shows it in an update: plain text and entities,
        and its file, if it has one."""
        content = visible(sent.params, "text" if "text" in sent.params else "caption")
        for kind in _SEND_MEDIA.values():
            value = sent.params.get(kind)
            file_id = value.get("file_id") if isinstance(value, dict) else value
            if isinstance(file_id, str):
                content.update(self._media_json(kind, file_id))
        return content

    def _upload(self, kind: str, file_ref: Any, params: dict[str, Any], field: str) -> str:
        """A file the bot sends: a file_id it knows, or an upload (refused over Telegram's
        limits), which gets a new file_id."""
        if isinstance(file_ref, str) and not file_ref.startswith("attach://"):
            return file_ref
        uploads = params.get(UPLOADS) or {}
        name = file_ref.removeprefix("attach://") if isinstance(file_ref, str) else field
        content = uploads.get(name)
        if isinstance(file_ref, dict) and isinstance(file_ref.get("content"), bytes):
            content = file_ref["content"]  # over HTTP (tgfake.server): the bytes themselves
        if not isinstance(content, bytes):
            raise ApiError(400, "Bad Request: there is no file in the request")
        size = len(content)
        if size > (PHOTO_UPLOAD_LIMIT if kind == "photo" else UPLOAD_LIMIT):
            raise ApiError(413, "Request Entity Too Large")
        file_id = f"uploaded-{len(self.files) + 1}"
        self.files[file_id] = {"file_unique_id": f"u-{file_id}", "file_size": size}
        self.uploads.append((kind, file_id, size))
        self.uploaded[file_id] = content
        if name_given := (params.get(UPLOAD_NAMES) or {}).get(name):
            self.uploaded_names[file_id] = name_given
        self.file_content[file_id] = content  # the bot may download what it sent, too
        return file_id

    def _media_json(self, kind: str, file_ref: Any) -> dict[str, Any]:
        file_id = file_ref if isinstance(file_ref, str) else f"uploaded-{len(self.files) + 1}"
        meta = self.files.get(file_id, {"file_unique_id": f"u-{file_id}"})
        body = {"file_id": file_id, "file_unique_id": meta["file_unique_id"]}
        if kind == "photo":
            return {"photo": [{**body, "width": 1280, "height": 960}]}
        if kind in ("voice", "audio", "video", "animation"):
            body["duration"] = meta.get("duration", 1)
            if kind in ("video", "animation"):
                body.update(width=640, height=480)
        return {kind: body}

    def _chat_member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        user = self.bot_user if user_id == BOT_ID else (
            self.users[user_id].user if user_id in self.users else None)
        if user is None:
            raise ApiError(400, "Bad Request: user not found")
        status = "administrator" if user_id == BOT_ID else self.members[chat_id].get(user_id,
                                                                                       "left")
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update({flag: True for flag in (
                "can_be_edited", "can_manage_chat", "can_delete_messages",
                "can_manage_video_chats", "can_restrict_members", "can_promote_members",
                "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
                "can_delete_stories")})
            member["is_anonymous"] = False
        elif status == "kicked":
            member["until_date"] = 0
        return member


# --- message text as Telegram checks it ---------------------------------------------------------

TEXT_LIMIT, CAPTION_LIMIT = 4096, 1024
# The tags Telegram's HTML parse mode knows; anything else is refused, as is a stray `<`.
_HTML_TAGS = frozenset({"a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
                        "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote"})
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def check_text(text: Any, parse_mode: Any, limit: int, *, caption: bool = False) -> str:
    """The text as the recipient would see it; refused as Telegram refuses it (HTTP 400):
    malformed HTML in HTML parse mode, empty, or over the length limit."""
    raw = "" if text is None else str(text)
    plain = parse_html(raw) if str(parse_mode or "").upper() == "HTML" else raw
    if not plain.strip() and not caption:
        raise ApiError(400, "Bad Request: message text is empty")
    if len(plain.encode("utf-16-le")) // 2 > limit:
        raise ApiError(400, "Bad Request: message caption is too long" if caption
                       else "Bad Request: message is too long")
    return plain


_ENTITY_TYPES = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic",
                 "u": "underline", "ins": "underline", "s": "strikethrough",
                 "strike": "strikethrough", "del": "strikethrough", "code": "code", "pre": "pre",
                 "a": "text_link", "tg-spoiler": "spoiler", "span": "spoiler",
                 "blockquote": "blockquote"}
_HREF_RE = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def parse_html(text: str) -> str:
    """Telegram's HTML parse mode (after tdlib's parse_html): the plain text, or a 400."""
    return parse_html_entities(text)[0]


def parse_html_entities(text: str) -> tuple[str, list[dict[str, Any]]]:
    """The plain text and its entities (offsets in UTF-16 code units), as Telegram returns a
    message sent in HTML parse mode; or a 400."""
    out: list[str] = []
    open_tags: list[str] = []
    starts: list[tuple[int, str]] = []
    entities: list[dict[str, Any]] = []

    def position() -> int:
        return len("".join(out).encode("utf-16-le")) // 2
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "&":
            match = _ENTITY_RE.match(text, i)
            if match:  # an unknown entity stays as it is, like Telegram does
                named, dec, hexa = match.groups()
                out.append(_NAMED[named] if named else chr(int(dec or hexa, 16 if hexa else 10)))
                i = match.end()
                continue
        if c != "<":
            out.append(c)
            i += 1
            continue
        begin = i
        i += 1
        if i < n and text[i] == "/":
            end = text.find(">", i)
            if not open_tags:
                raise _entities_error(f"Unexpected end tag at byte offset {begin}")
            if end < 0:
                raise _entities_error(f"Unclosed end tag at byte offset {begin}")
            name = text[i + 1:end].strip().lower()
            expected = open_tags.pop()
            if name and name != expected:
                raise _entities_error(f'Unmatched end tag at byte offset {begin}, expected '
                                      f'"</{expected}>", found "</{name}>"')
            offset, attributes = starts.pop()
            if position() > offset:
                entity: dict[str, Any] = {"type": _ENTITY_TYPES.get(expected, "bold"),
                                          "offset": offset, "length": position() - offset}
                if expected == "a" and (href := _HREF_RE.search(attributes)):
                    entity["url"] = href[1] if href[1] is not None else href[2]
                entities.append(entity)
            i = end + 1
            continue
        start = i
        while i < n and not text[i].isspace() and text[i] != ">":
            i += 1
        if i >= n:
            raise _entities_error(f"Unclosed start tag at byte offset {begin}")
        name = text[start:i].lower()
        if name not in _HTML_TAGS:
            raise _entities_error(f'Unsupported start tag "{name}" at byte offset {begin}')
        quote = ""
        while i < n and (quote or text[i] != ">"):  # attributes, quoted values may hold '>'
            if text[i] in "\"'" and (not quote or text[i] == quote):
                quote = "" if quote else text[i]
            i += 1
        if i >= n:
            raise _entities_error(f"Unclosed start tag at byte offset {begin}")
        open_tags.append(name)
        starts.append((position(), text[start + len(name):i]))
        i += 1
    if open_tags:
        raise _entities_error(
            f'Can\'t find end tag corresponding to start tag "{open_tags[-1]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def visible(params: dict[str, Any], key: str = "text") -> dict[str, Any]:
    """A sent text (or caption) as Telegram hands it back in a Message: plain text with
    entities when it was sent in HTML parse mode."""
    raw = str(params.get(key) or "")
    if str(params.get("parse_mode") or "").upper() != "HTML":
        return {key: raw}
    plain, entities = parse_html_entities(raw)
    found: dict[str, Any] = {key: plain}
    if entities:
        found["entities" if key == "text" else "caption_entities"] = entities
    return found


def _entities_error(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {detail}")


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
