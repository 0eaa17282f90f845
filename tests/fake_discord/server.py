"""A small fake Discord: REST + Gateway on 127.0.0.1, enough for the real discord.py client.

Why: the bot is tested through the real `discord.py` stack (gateway handshake, interaction
parsing, app-command tree, views, HTTP payloads), not through mocks of it. The fake records
every request the bot makes, so tests assert on exactly what Discord would have received.

Only what the bot uses is implemented; any other route is recorded with kind "unknown" and
answered 404, so a test that needs it fails loudly instead of silently passing.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from aiohttp import WSMsgType, web

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
EPHEMERAL_FLAG = 1 << 6
LOADING_FLAG = 1 << 7


@dataclass
class Recorded:
    """One request the bot sent to the fake Discord."""

    method: str
    path: str  # without the /api/v10 prefix
    kind: str  # callback | followup | edit_message | get_message | delete_message | sync_global | sync_guild | channel_message | unknown
    body: Any  # JSON body (or multipart `payload_json`), None when empty
    params: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, bytes]] = field(default_factory=list)
    token: str | None = None  # interaction token for callback / webhook routes
    guild_id: int | None = None  # for sync_guild
    channel_id: int | None = None  # for channel_message
    message: dict | None = None  # the message object the fake created or updated

    @property
    def callback_type(self) -> int | None:
        return self.body.get("type") if self.kind == "callback" and isinstance(self.body, dict) else None

    @property
    def data(self) -> dict:
        """The message-ish payload: callback `data`, or the body itself for webhooks/channels."""
        if self.kind == "callback":
            return (self.body or {}).get("data") or {}
        return self.body if isinstance(self.body, dict) else {}


def _json(data: Any, status: int = 200) -> web.Response:
    """JSON with the exact content type discord.py checks for (no charset suffix)."""
    response = web.Response(body=json.dumps(data).encode(), status=status)
    response.headers["Content-Type"] = "application/json"
    return response


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


class FakeDiscord:
    """In-process fake of Discord's REST API and Gateway for one bot application.

    Usage (see tests/fake_discord/README.md)::

        fake = FakeDiscord(guilds=[make_guild(1001)])
        await fake.start()
        monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
        ... start the bot with any token ...
        await fake.wait_identified()
    """

    def __init__(self, *, app_id: int = 900_000_000_000_000_001, bot_user_id: int | None = None,
                 bot_name: str = "Counterpoint", guilds: list[dict] | None = None) -> None:
        self.app_id = app_id
        self.bot_user = {"id": str(bot_user_id or app_id), "username": bot_name, "discriminator": "0",
                         "global_name": bot_name, "avatar": None, "bot": True, "flags": 0}
        self.guilds: list[dict] = list(guilds or [])
        self.requests: list[Recorded] = []
        self.identify_payloads: list[dict] = []
        self.attachments: dict[str, tuple[bytes, str]] = {}  # path -> (data, content type)
        self.attachment_errors: dict[str, int] = {}  # path -> HTTP status the CDN answers instead
        self.messages: dict[int, dict] = {}  # message id -> message object
        self.commands_global: list[dict] = []
        self.commands_guild: dict[int, list[dict]] = {}
        self._originals: dict[str, int] = {}  # interaction token -> original message id
        self._clicked: dict[str, int] = {}  # component interaction token -> the clicked message id
        self._ids = itertools.count(1_100_000_000_000_000_000)
        self._seq = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._changed = asyncio.Condition()
        self._identified = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> "FakeDiscord":
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{path:.*}", self._attachment)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """What `discord.http.Route.BASE` must be set to."""
        return self.base_url + API_PREFIX

    def next_id(self) -> int:
        return next(self._ids)

    # -- waiting ---------------------------------------------------------------------------

    async def wait_identified(self, timeout: float = 10) -> None:
        await asyncio.wait_for(self._identified.wait(), timeout)

    async def wait_for(self, predicate: Callable[[Recorded], bool], *, timeout: float = 15,
                       start: int = 0) -> Recorded:
        """First recorded request (from index `start`) matching `predicate`, waiting for it."""
        async def _find() -> Recorded:
            async with self._changed:
                while True:
                    for rec in self.requests[start:]:
                        if predicate(rec):
                            return rec
                    await self._changed.wait()
        return await asyncio.wait_for(_find(), timeout)

    def for_token(self, token: str) -> list[Recorded]:
        """Everything the bot sent in answer to one interaction (callback, followups, edits)."""
        return [r for r in self.requests if r.token == token]

    async def _record(self, rec: Recorded) -> None:
        async with self._changed:
            self.requests.append(rec)
            self._changed.notify_all()

    # -- gateway ---------------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict) -> None:
        """Send a DISPATCH (op 0) event to every connected shard."""
        if not self._sockets:
            raise RuntimeError("no gateway connection: start the bot first")
        frame = json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data})
        for ws in list(self._sockets):
            await ws.send_str(frame)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41_250}, "s": None, "t": None})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                op = payload.get("op")
                if op == 1:
                    await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
                elif op == 2:
                    await self._identify(ws, payload["d"])
                elif op == 6:
                    await ws.send_json({"op": 0, "t": "RESUMED", "s": next(self._seq), "d": {}})
        finally:
            if ws in self._sockets:
                self._sockets.remove(ws)
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: dict) -> None:
        self.identify_payloads.append(data)
        shard = data.get("shard") or [0, 1]
        ready = {
            "v": 10, "user": self.bot_user, "session_id": "fake-session",
            "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
            "guilds": [{"id": g["id"], "unavailable": True} for g in self.guilds],
            "shard": shard, "application": {"id": str(self.app_id), "flags": 0},
            "private_channels": [], "relationships": [],
        }
        await ws.send_json({"op": 0, "t": "READY", "s": next(self._seq), "d": ready})
        for guild in self.guilds:
            await ws.send_json({"op": 0, "t": "GUILD_CREATE", "s": next(self._seq), "d": guild})
        self._identified.set()

    # -- REST ------------------------------------------------------------------------------

    async def _attachment(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        if path not in self.attachments:
            return web.Response(status=404)
        if path in self.attachment_errors:  # a CDN failure a test asked for
            return web.Response(status=self.attachment_errors[path])
        data, content_type = self.attachments[path]
        return web.Response(body=data, content_type=content_type)

    def add_attachment(self, filename: str, data: bytes, content_type: str = "text/plain") -> dict:
        """Host a file and return the attachment object to put in `resolved.attachments`."""
        attachment_id = self.next_id()
        path = f"{attachment_id}/{filename}"
        self.attachments[path] = (data, content_type)
        url = f"{self.base_url}/attachments/{path}"
        return {"id": str(attachment_id), "filename": filename, "size": len(data), "url": url,
                "proxy_url": url, "content_type": content_type}

    async def _read_body(self, request: web.Request) -> tuple[Any, list[tuple[str, bytes]]]:
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            body = json.loads(form["payload_json"]) if "payload_json" in form else None
            files = [(v.filename, v.file.read()) for k, v in form.items() if hasattr(v, "file")]
            return body, files
        raw = await request.read()
        return (json.loads(raw) if raw else None), []

    def _message(self, body: dict | None, *, channel_id: int | None = None, flags: int = 0) -> dict:
        body = body or {}
        message = {
            "id": str(self.next_id()), "type": 0, "channel_id": str(channel_id or 0),
            "content": body.get("content") or "", "embeds": body.get("embeds") or [],
            "components": body.get("components") or [], "attachments": [], "author": self.bot_user,
            "mentions": [], "mention_roles": [], "pinned": False, "tts": False,
            "mention_everyone": False, "timestamp": _now_iso(), "edited_timestamp": None,
            "flags": flags | (body.get("flags") or 0), "application_id": str(self.app_id),
        }
        self.messages[int(message["id"])] = message
        return message

    def _edit(self, message_id: int, body: dict | None) -> dict:
        message = self.messages[message_id]
        for key in ("content", "embeds", "components"):
            if body and key in body:
                message[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        message["flags"] = message.get("flags", 0) & ~LOADING_FLAG
        message["edited_timestamp"] = _now_iso()
        return message

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        parts = path.strip("/").split("/")
        method = request.method
        body, files = await self._read_body(request)
        rec = Recorded(method=method, path=path, kind="unknown", body=body, params=dict(request.query), files=files)
        response: Any = None
        status = 200

        if method == "GET" and path == "/users/@me":
            rec.kind, response = "login", self.bot_user
        elif method == "GET" and path == "/oauth2/applications/@me":
            rec.kind, response = "application_info", self._application_info()
        elif method == "GET" and path == "/gateway/bot":
            rec.kind = "gateway_bot"
            response = {"url": f"ws://127.0.0.1:{self.port}/gateway", "shards": 1,
                        "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}}
        elif parts[0] == "interactions" and parts[-1] == "callback" and method == "POST":
            rec.kind, rec.token = "callback", parts[2]
            response = self._callback(parts[1], parts[2], body or {}, rec)
        elif parts[0] == "webhooks" and len(parts) >= 3:
            rec.token = parts[2]
            response, status = self._webhook(method, parts, body, rec)
        elif parts[0] == "applications" and parts[-1] == "commands" and method in {"PUT", "GET"}:
            guild_id = int(parts[3]) if len(parts) == 5 and parts[2] == "guilds" else None
            rec.kind, rec.guild_id = ("sync_guild" if guild_id else "sync_global"), guild_id
            response = self._commands(method, body, guild_id)
        elif parts[0] == "channels" and len(parts) == 3 and parts[2] == "messages" and method == "POST":
            rec.kind, rec.channel_id = "channel_message", int(parts[1])
            rec.message = response = self._message(body, channel_id=rec.channel_id)
        else:
            log.warning("fake discord: unhandled route %s %s", method, path)
            status, response = 404, {"message": f"fake discord: unknown route {method} {path}", "code": 0}

        await self._record(rec)
        if response is None:
            return web.Response(status=204)
        return _json(response, status)

    def _application_info(self) -> dict:
        return {"id": str(self.app_id), "name": self.bot_user["username"], "description": "", "icon": None,
                "bot_public": False, "bot_require_code_grant": False, "owner": self.bot_user,
                "verify_key": "0" * 64, "flags": 0, "summary": "", "team": None,
                "interactions_endpoint_url": None, "bot": self.bot_user}

    def _callback(self, interaction_id: str, token: str, body: dict, rec: Recorded) -> dict:
        kind = body.get("type")
        data = body.get("data") or {}
        result: dict = {"interaction": {"id": interaction_id, "type": 2}}
        if kind in (4, 5):  # a new message (5: "thinking" placeholder edited later)
            flags = (data.get("flags") or 0) | (LOADING_FLAG if kind == 5 else 0)
            message = self._message(data if kind == 4 else None, flags=flags)
            self._originals[token] = int(message["id"])
            rec.message = message
            result["interaction"].update(response_message_id=message["id"], response_message_loading=kind == 5,
                                         response_message_ephemeral=bool(flags & EPHEMERAL_FLAG))
            result["resource"] = {"type": kind, "message": message}
        elif kind in (6, 7):  # deferred update / update of the clicked message
            clicked = self._clicked.get(token)
            if clicked is not None:
                self._originals[token] = clicked
                if kind == 7:
                    rec.message = self._edit(clicked, data)
                    result["resource"] = {"type": kind, "message": rec.message}
        return result

    def _webhook(self, method: str, parts: list[str], body: Any, rec: Recorded) -> tuple[Any, int]:
        token = parts[2]
        if len(parts) == 3 and method == "POST":
            rec.kind = "followup"
            rec.message = self._message(body)
            return rec.message, 200
        if len(parts) == 5 and parts[3] == "messages":
            target = parts[4]
            message_id = self._originals.get(token) if target == "@original" else int(target)
            if message_id is None or message_id not in self.messages:
                rec.kind = "unknown"
                return {"message": "Unknown Message", "code": 10008}, 404
            if method == "PATCH":
                rec.kind = "edit_message"
                rec.message = self._edit(message_id, body)
                return rec.message, 200
            if method == "GET":
                rec.kind = "get_message"
                return self.messages[message_id], 200
            if method == "DELETE":
                rec.kind = "delete_message"
                self.messages.pop(message_id, None)
                return None, 204
        return {"message": "fake discord: unknown webhook route", "code": 0}, 404

    def _commands(self, method: str, body: Any, guild_id: int | None) -> list[dict]:
        if method == "PUT":
            stored = []
            for command in body or []:
                full = {"id": str(self.next_id()), "application_id": str(self.app_id), "version": "1",
                        "type": 1, "description": "", **command}
                if guild_id:
                    full["guild_id"] = str(guild_id)
                if full.get("default_member_permissions") is not None:  # Discord answers with a string
                    full["default_member_permissions"] = str(full["default_member_permissions"])
                stored.append(full)
            if guild_id:
                self.commands_guild[guild_id] = stored
            else:
                self.commands_global = stored
        return self.commands_guild.get(guild_id, []) if guild_id else self.commands_global

    # -- interactions ----------------------------------------------------------------------

    def command_id(self, name: str, guild_id: int | None = None) -> str:
        """Id Discord gave the synced command (guild commands first, then global)."""
        pool = (self.commands_guild.get(guild_id, []) if guild_id else []) + self.commands_global
        for command in pool:
            if command["name"] == name:
                return command["id"]
        return str(self.next_id())

    def original(self, token: str) -> dict | None:
        """The current state of the interaction's original response message."""
        message_id = self._originals.get(token)
        return self.messages.get(message_id) if message_id is not None else None

    async def send_interaction(self, payload: dict) -> dict:
        """Dispatch INTERACTION_CREATE; remembers which message a component click came from."""
        if payload.get("type") == 3 and payload.get("message"):
            self._clicked[payload["token"]] = int(payload["message"]["id"])
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload
