"""Small JSON HTTP API (bound to 127.0.0.1 only) to drive running simulated receivers.

Shure receivers and Sennheiser SSC v1 and SSCv2 devices share the controls below.

``GET  /receivers``                                   list
``GET  /receivers/{rx}``                              one receiver with channel state
``POST /receivers/{rx}/channels/{ch}/{action}``       transmitter {"on", "model"} · battery
      {"bars", "minutes", "percent"} · drain {"minutes"} · rf {"dbm", "antenna"} · audio {"dbfs"}
      · dropout/interference {"active"} · mute {"muted"} · name {"name"}
``POST /receivers/{rx}/{action}``                     device_id {"name"} · drop · reboot
      {"seconds"} · hang {"hung"} · live {"on", "seed"} · raw {"data"} · options {…}
      · SSCv2 only: certificate (a new self-signed certificate) · password {"password", "user"}

``{rx}`` is a receiver name (default ``MODEL-port``) or its index in the list.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
import contextlib
from dataclasses import asdict
from typing import Any

from aiohttp import web

from simulator.sennheiser_v2.device import Ssc2Device
from simulator.venue import SimDevice

__all__ = ["ControlServer"]

CONTROL_HOST = "127.0.0.1"
BOOL_OPTIONS = ("controller_access", "answers_model", "hang_on_dead_client", "get_all_0_refused")
NUMBER_OPTIONS = ("reply_delay", "flash_duration", "split_pause")
TEXT_OPTIONS = ("unknown_reply", "segmenting")
#: Options only SSCv2 devices have.
SSC2_BOOL_OPTIONS = ("push_on_add", "sse_data_space", "bare_content_location")
SSC2_NUMBER_OPTIONS = ("session_linger",)
SSC2_INT_OPTIONS = ("max_sessions",)


def _bool(body: dict[str, Any], key: str) -> bool:
    value = body.get(key)
    if not isinstance(value, bool):
        raise ValueError(f"{key!r} must be true or false")
    return value


def _opt_int(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key!r} must be an integer")
    return int(value)


def _num(body: dict[str, Any], key: str) -> float:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key!r} must be a number")
    return float(value)


def _https(rx: SimDevice) -> Ssc2Device:
    if not isinstance(rx, Ssc2Device):
        raise ValueError(f"{rx.model} has no HTTPS access (certificate, password)")
    return rx


def channel_state(rx: SimDevice) -> list[dict[str, Any]]:
    """Channel dataclasses as JSON-friendly dicts."""
    out = []
    for ch in rx.channels:
        data = asdict(ch)
        data.pop("saved_battery", None)
        data.pop("saved_props", None)
        out.append(data)
    return out


class ControlServer:
    """aiohttp app exposing the receivers' control methods."""

    def __init__(self, receivers: Sequence[SimDevice], port: int = 0) -> None:
        """Create the server; ``start()`` binds 127.0.0.1:port."""
        self.receivers: list[SimDevice] = list(receivers)
        self.port = port
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        """Base URL."""
        return f"http://{CONTROL_HOST}:{self.port}"

    async def start(self) -> None:
        """Bind and serve."""
        app = web.Application()
        app.router.add_get("/receivers", self._list)
        app.router.add_get("/receivers/{rx}", self._show)
        app.router.add_post("/receivers/{rx}/channels/{ch}/{action}", self._channel_action)
        app.router.add_post("/receivers/{rx}/{action}", self._receiver_action)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, CONTROL_HOST, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Cancel pending reboots and close the listener."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def find(self, key: str) -> SimDevice:
        """Receiver by name (case-insensitive) or index."""
        for rx in self.receivers:
            if rx.name.lower() == key.lower():
                return rx
        if key.isdigit() and int(key) < len(self.receivers):
            return self.receivers[int(key)]
        raise web.HTTPNotFound(
            text=f'{{"error": "no receiver {key}"}}', content_type="application/json"
        )

    def summary(self, rx: SimDevice) -> dict[str, Any]:
        """Receiver summary with its list index."""
        return {"index": self.receivers.index(rx), **rx.snapshot()}

    async def _list(self, _request: web.Request) -> web.Response:
        return web.json_response({"receivers": [self.summary(rx) for rx in self.receivers]})

    async def _show(self, request: web.Request) -> web.Response:
        rx = self.find(request.match_info["rx"])
        return web.json_response({**self.summary(rx), "channel_state": channel_state(rx)})

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return {}
        try:
            body = await request.json()
        except ValueError as err:
            raise ValueError("body must be JSON") from err
        if not isinstance(body, dict):
            raise ValueError("body must be a JSON object")
        return body

    async def _channel_action(self, request: web.Request) -> web.Response:
        rx = self.find(request.match_info["rx"])
        action = request.match_info["action"]
        try:
            ch = int(request.match_info["ch"])
            body = await self._body(request)
            rx.channel(ch)
            if action == "transmitter":
                model = body.get("model")
                rx.set_transmitter(ch, _bool(body, "on"), str(model) if model else None)
            elif action == "battery":
                rx.set_battery(
                    ch,
                    bars=_opt_int(body, "bars"),
                    minutes=_opt_int(body, "minutes"),
                    percent=_opt_int(body, "percent"),
                )
            elif action == "drain":
                rx.drain_battery(ch, int(_num(body, "minutes")))
            elif action == "rf":
                rx.set_rf(ch, _num(body, "dbm"), _opt_int(body, "antenna"))
            elif action == "audio":
                rx.set_audio(ch, _num(body, "dbfs"))
            elif action == "dropout":
                rx.rf_dropout(ch, _bool(body, "active"))
            elif action == "interference":
                rx.set_interference(ch, _bool(body, "active"))
            elif action == "mute":
                rx.set_mute(ch, _bool(body, "muted"))
            elif action == "name":
                rx.rename(ch, str(body.get("name", "")))
            else:
                return web.json_response({"error": f"unknown action {action}"}, status=404)
        except ValueError as err:
            return web.json_response({"error": str(err)}, status=400)
        return web.json_response({"ok": True, "channel": channel_state(rx)[ch - 1]})

    async def _receiver_action(self, request: web.Request) -> web.Response:
        rx = self.find(request.match_info["rx"])
        action = request.match_info["action"]
        try:
            body = await self._body(request)
            if action == "device_id":
                rx.set_device_id(str(body.get("name", "")))
            elif action == "drop":
                rx.drop_connections()
            elif action == "reboot":
                seconds = _num(body, "seconds") if "seconds" in body else 1.0
                task = asyncio.get_running_loop().create_task(rx.reboot(seconds))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                return web.json_response({"ok": True, "rebooting": seconds}, status=202)
            elif action == "hang":
                rx.set_hung(_bool(body, "hung"))
            elif action == "live":
                if _bool(body, "on"):
                    rx.start_live(_opt_int(body, "seed"))
                else:
                    rx.stop_live()
            elif action == "raw":
                rx.emit_raw(str(body.get("data", "")).encode("latin-1"))
            elif action == "certificate":
                fingerprint = _https(rx).regenerate_certificate()
                return web.json_response(
                    {"ok": True, "fingerprint": fingerprint, "receiver": self.summary(rx)}
                )
            elif action == "password":
                password = body.get("password")
                if password is not None and not isinstance(password, str):
                    raise ValueError("'password' must be a string or null")
                _https(rx).set_password(password, str(body.get("user", "api")))
            elif action == "options":
                for key in body:
                    if isinstance(rx, Ssc2Device) and key in SSC2_BOOL_OPTIONS:
                        setattr(rx, key, _bool(body, key))
                    elif isinstance(rx, Ssc2Device) and key in SSC2_NUMBER_OPTIONS:
                        setattr(rx, key, max(0.0, _num(body, key)))
                    elif isinstance(rx, Ssc2Device) and key in SSC2_INT_OPTIONS:
                        setattr(rx, key, max(0, _opt_int(body, key) or 0))
                    elif key in BOOL_OPTIONS:
                        setattr(rx, key, _bool(body, key))
                    elif key in NUMBER_OPTIONS:
                        setattr(rx, key, max(0.0, _num(body, key)))
                    elif key in TEXT_OPTIONS:
                        setattr(rx, key, str(body[key]))
                    else:
                        raise ValueError(f"unknown option {key!r}")
            else:
                return web.json_response({"error": f"unknown action {action}"}, status=404)
        except ValueError as err:
            return web.json_response({"error": str(err)}, status=400)
        return web.json_response({"ok": True, "receiver": self.summary(rx)})
