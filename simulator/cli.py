"""Command line: run receivers, a whole venue, or drive a running simulator (``ctl``)."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
import contextlib
import http.client
import ipaddress
import json
import signal
import sys
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from simulator.models import FAMILIES, MODELS
from simulator.sennheiser.models import SSC_MODELS
from simulator.sennheiser_v2.models import SSC2_MODELS

if TYPE_CHECKING:
    from simulator.venue import SimDevice

__all__ = ["build_parser", "main"]


def _models_epilog() -> str:
    lines = ["families and models:"]
    for family, models in FAMILIES.items():
        described = ", ".join(f"{m} ({MODELS[m].channels} ch)" for m in models)
        lines.append(f"  {family:15} {described}")
    lines.append("")
    lines.append("Sennheiser SSC v1 models (JSON over UDP):")
    for model, spec in SSC_MODELS.items():
        unit = "bays" if spec.tree == "charger" else "ch"
        lines.append(f"  {model:15} {spec.product} ({spec.channels} {unit})")
    lines.append("")
    lines.append("Sennheiser SSCv2 models (HTTPS + Server-Sent Events, user 'api'):")
    for model, spec2 in SSC2_MODELS.items():
        unit = "mobile devices" if spec2.kind == "spectera" else "ch"
        lines.append(f"  {model:22} {spec2.product}: {spec2.description} ({spec2.channels} {unit})")
    lines.append("")
    lines.append("examples:")
    lines.append("  python -m simulator run ULXD4Q:2202 AD4Q:2203 --control-port 8080")
    lines.append("  python -m simulator run EWDX-EM4:4545 CHG70N:4546 --dns-sd --control-port 8081")
    lines.append("  python -m simulator --model EWDX-EM2-SECURE   # user, password, fingerprint")
    lines.append("  python -m simulator venue --base-port 22020 --live")
    lines.append("  python -m simulator ctl --control http://127.0.0.1:8080 tx ULXD4Q-2202 1 off")
    return "\n".join(lines)


def _endpoint(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError("expected HOST:PORT")
    host = host or "127.0.0.1"
    try:
        if ipaddress.ip_address(host).is_multicast:
            raise argparse.ArgumentTypeError("the simulator never sends multicast")
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected an IP address, got {host!r}") from err
    return host, int(port)


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _spec(text: str) -> tuple[str, int]:
    model, sep, port = text.rpartition(":")
    if not sep:
        model, port = text, "0"
    if not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected MODEL:PORT, got {text!r}")
    if model.upper() not in {m.upper() for m in (*MODELS, *SSC_MODELS, *SSC2_MODELS)}:
        raise argparse.ArgumentTypeError(f"unknown model {model!r}")
    return model, int(port)


def _add_serve_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--live", action="store_true", help="animate meters and drain batteries")
    p.add_argument("--seed", type=int, default=0, help="random seed (live mode, segmenting)")
    p.add_argument("--control-port", type=int, help="serve the JSON control API on 127.0.0.1:N")
    p.add_argument("--slp-target", type=_endpoint, help="send SLP AttrRply datagrams to HOST:PORT")
    p.add_argument("--slp-interval", type=float, default=2.0, help="seconds between SLP rounds")
    p.add_argument("--segmenting", choices=("none", "split", "merge", "random"), default="none")
    p.add_argument("--unknown-reply", choices=("error", "silent"), default="error")
    p.add_argument("--reply-delay", type=float, default=0.0, help="seconds before each reply")
    p.add_argument(
        "--no-controller-access", action="store_true", help="SLX-D: ignore every command"
    )
    p.add_argument("--answers-model", action="store_true", help="ULX-D/QLX-D answer GET MODEL")
    p.add_argument("--hang-on-dead-client", action="store_true", help="QLX-D lock-up fault")
    p.add_argument(
        "--dns-sd",
        action="store_true",
        help="answer DNS-SD (_ssc._udp) for the SSC v1 devices, on 127.0.0.1 only: "
        "one-shot queries on --dns-sd-port, mDNS on the loopback (IP TTL 0)",
    )
    p.add_argument(
        "--dns-sd-port", type=int, default=0, help="127.0.0.1 port for one-shot DNS-SD queries"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (``--help`` lists every family and model)."""
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description=(
            "Fake Shure wireless receivers speaking the ASCII control protocol, and fake "
            "Sennheiser receivers and chargers speaking SSC v1, and Sennheiser EW-DX "
            "receivers (secure mode) and Spectera base stations speaking SSCv2."
        ),
        epilog=_models_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--model",
        type=lambda text: _spec(f"{text}:0")[0],
        help="run one device of MODEL (short for 'run MODEL:PORT'); SSCv2 devices print "
        "their user, password and certificate fingerprint",
    )
    parser.add_argument("--port", type=int, default=0, help="port for --model (0 = ephemeral)")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run receivers given as MODEL:PORT (port 0 = ephemeral)")
    run.add_argument("receivers", nargs="+", type=_spec, metavar="MODEL:PORT")
    _add_serve_options(run)
    venue = sub.add_parser(
        "venue",
        help="the demo venue: one named receiver of each Shure family, an EW-DX EM 4 and "
        "a CHG 70N on consecutive ports",
    )
    venue.add_argument("--base-port", type=int, default=22020, help="first port (0 = ephemeral)")
    _add_serve_options(venue)

    ctl = sub.add_parser("ctl", help="drive a running simulator through its control API")
    ctl.add_argument("--control", required=True, help="control URL, e.g. http://127.0.0.1:8080")
    acts = ctl.add_subparsers(dest="action", required=True)
    acts.add_parser("list", help="list receivers")
    for name, helptext in (
        ("tx", "transmitter on/off"),
        ("dropout", "RF dropout on/off"),
        ("interference", "interference on/off"),
        ("mute", "mute on/off"),
    ):
        a = acts.add_parser(name, help=helptext)
        a.add_argument("receiver")
        a.add_argument("channel", type=int)
        a.add_argument("state", choices=("on", "off"))
        if name == "tx":
            a.add_argument("--model", help="transmitter model when switching on")
    a = acts.add_parser("battery", help="set battery values")
    a.add_argument("receiver")
    a.add_argument("channel", type=int)
    a.add_argument("--bars", type=int)
    a.add_argument("--minutes", type=int)
    a.add_argument("--percent", type=int)
    a = acts.add_parser("drain", help="drain the battery by MINUTES of runtime")
    a.add_argument("receiver")
    a.add_argument("channel", type=int)
    a.add_argument("minutes", type=int)
    a = acts.add_parser("rf", help="set the RF level in dBm")
    a.add_argument("receiver")
    a.add_argument("channel", type=int)
    a.add_argument("dbm", type=float)
    a.add_argument("--antenna", type=int)
    a = acts.add_parser("audio", help="set the audio level in dBFS")
    a.add_argument("receiver")
    a.add_argument("channel", type=int)
    a.add_argument("dbfs", type=float)
    a = acts.add_parser("rename", help="front-panel channel rename")
    a.add_argument("receiver")
    a.add_argument("channel", type=int)
    a.add_argument("name")
    a = acts.add_parser("device-id", help="front-panel device ID change")
    a.add_argument("receiver")
    a.add_argument("name")
    a = acts.add_parser("drop", help="abruptly close every client connection")
    a.add_argument("receiver")
    a = acts.add_parser("reboot", help="reboot (gone for SECONDS, default 1)")
    a.add_argument("receiver")
    a.add_argument("seconds", type=float, nargs="?", default=1.0)
    a = acts.add_parser("hang", help="hang on/off (nothing answered)")
    a.add_argument("receiver")
    a.add_argument("state", choices=("on", "off"))
    a = acts.add_parser("certificate", help="SSCv2: present a new self-signed certificate")
    a.add_argument("receiver")
    a = acts.add_parser("password", help="SSCv2: change a user's password ('-' deletes it)")
    a.add_argument("receiver")
    a.add_argument("password")
    a.add_argument("--user", default="api", choices=("api", "controlSennheiser"))
    a = acts.add_parser("live", help="live mode on/off")
    a.add_argument("receiver")
    a.add_argument("state", choices=("on", "off"))
    a.add_argument("--seed", type=int)
    return parser


# ---------------------------------------------------------------------- serving
def _options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "segmenting": args.segmenting,
        "unknown_reply": args.unknown_reply,
        "reply_delay": args.reply_delay,
        "controller_access": not args.no_controller_access,
        "answers_model": args.answers_model,
        "hang_on_dead_client": args.hang_on_dead_client,
        "live": args.live,
    }


def _make_receivers(args: argparse.Namespace) -> list[SimDevice]:
    from simulator.venue import Venue, create_device

    opts = _options(args)
    if args.command == "venue":
        return Venue.demo(host=args.host, base_port=args.base_port, **opts).receivers
    return [
        create_device(
            model,
            host=args.host,
            port=port,
            mac=(
                f"00:1B:66:AA:BC:{i + 1:02X}"
                if model.upper() in {m.upper() for m in (*SSC_MODELS, *SSC2_MODELS)}
                else f"00:0E:DD:AA:BC:{i + 1:02X}"
            ),
            seed=args.seed + i,
            **opts,
        )
        for i, (model, port) in enumerate(args.receivers)
    ]


async def serve(args: argparse.Namespace) -> int:
    """Run receivers until SIGINT/SIGTERM."""
    from simulator.control import ControlServer  # aiohttp: only needed when serving
    from simulator.receiver import SimReceiver
    from simulator.sennheiser.device import SscDevice
    from simulator.sennheiser.dnssd import DnsSdResponder
    from simulator.sennheiser_v2.device import Ssc2Device
    from simulator.slp import SlpAnnouncer

    receivers = _make_receivers(args)
    control: ControlServer | None = None
    slp: SlpAnnouncer | None = None
    dnssd: DnsSdResponder | None = None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    started: list[SimDevice] = []
    try:
        for rx in receivers:
            await rx.start()
            started.append(rx)
            if isinstance(rx, Ssc2Device):
                print(
                    f"{rx.model} {rx.host}:{rx.port} user={rx.username} "
                    f"password={rx.password} fingerprint={rx.fingerprint}",
                    flush=True,
                )
            else:
                print(f"{rx.model} {rx.host}:{rx.port}", flush=True)
        if args.control_port is not None:
            control = ControlServer(receivers, args.control_port)
            await control.start()
            print(f"control {control.url}", flush=True)
        if args.slp_target is not None:
            # SLP is what Shure receivers announce themselves with.
            shure = [rx for rx in receivers if isinstance(rx, SimReceiver)]
            slp = SlpAnnouncer(shure, args.slp_target, args.slp_interval)
            await slp.start()
        if args.dns_sd:
            ssc = [rx for rx in receivers if isinstance(rx, SscDevice)]
            dnssd = DnsSdResponder(ssc, unicast_port=args.dns_sd_port)
            await dnssd.start()
            print(f"dns-sd 127.0.0.1:{dnssd.port}", flush=True)
        await stop.wait()
    finally:
        if dnssd is not None:
            await dnssd.stop()
        if slp is not None:
            await slp.stop()
        if control is not None:
            await control.stop()
        for rx in started:
            await rx.stop()
    return 0


# ---------------------------------------------------------------------- ctl
def _request(base: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    url = urlsplit(base)
    if url.scheme != "http" or not url.hostname:
        raise SystemExit(f"--control must be an http:// URL, got {base!r}")
    conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=15)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        conn.request(method, path, body=payload, headers=headers)
        resp = conn.getresponse()
        data = json.loads(resp.read() or b"{}")
    finally:
        conn.close()
    if resp.status >= 400:
        raise SystemExit(f"error {resp.status}: {data.get('error', data)}")
    return data


def ctl(args: argparse.Namespace) -> int:
    """Run one ``ctl`` action."""
    base = args.control
    if args.action == "list":
        for r in _request(base, "GET", "/receivers")["receivers"]:
            print(
                f"{r['index']} {r['name']} {r['model']} {r['host']}:{r['port']} "
                f"channels={r['channels']} clients={r['clients']}"
                f" meter_rate={r['meter_rate_ms']} hung={r['hung']}"
            )
        return 0
    rx = quote(args.receiver, safe="")
    chan = f"/receivers/{rx}/channels/{getattr(args, 'channel', 0)}"
    on = getattr(args, "state", "off") == "on"
    requests: dict[str, tuple[str, dict[str, Any]]] = {
        "tx": (f"{chan}/transmitter", {"on": on, "model": getattr(args, "model", None)}),
        "dropout": (f"{chan}/dropout", {"active": on}),
        "interference": (f"{chan}/interference", {"active": on}),
        "mute": (f"{chan}/mute", {"muted": on}),
        "battery": (
            f"{chan}/battery",
            {
                "bars": getattr(args, "bars", None),
                "minutes": getattr(args, "minutes", None),
                "percent": getattr(args, "percent", None),
            },
        ),
        "drain": (f"{chan}/drain", {"minutes": getattr(args, "minutes", 0)}),
        "rf": (
            f"{chan}/rf",
            {"dbm": getattr(args, "dbm", 0.0), "antenna": getattr(args, "antenna", None)},
        ),
        "audio": (f"{chan}/audio", {"dbfs": getattr(args, "dbfs", 0.0)}),
        "rename": (f"{chan}/name", {"name": getattr(args, "name", "")}),
        "device-id": (f"/receivers/{rx}/device_id", {"name": getattr(args, "name", "")}),
        "drop": (f"/receivers/{rx}/drop", {}),
        "reboot": (f"/receivers/{rx}/reboot", {"seconds": getattr(args, "seconds", 1.0)}),
        "hang": (f"/receivers/{rx}/hang", {"hung": on}),
        "live": (f"/receivers/{rx}/live", {"on": on, "seed": getattr(args, "seed", None)}),
        "certificate": (f"/receivers/{rx}/certificate", {}),
        "password": (
            f"/receivers/{rx}/password",
            {
                "password": None if getattr(args, "password", "-") == "-" else args.password,
                "user": getattr(args, "user", "api"),
            },
        ),
    }
    path, body = requests[args.action]
    print(json.dumps(_request(base, "POST", path, body)))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        if args.model is None:
            parser.error("give a command (run, venue, ctl) or --model MODEL")
        args = parser.parse_args(["run", f"{args.model}:{args.port}"])
    elif args.model is not None:
        parser.error("--model runs one device on its own; use 'run MODEL:PORT' with a command")
    if getattr(args, "dns_sd", False) and not _loopback(args.host):
        parser.error("--dns-sd answers on the loopback only: use it with a 127.x --host")
    if args.command == "ctl":
        return ctl(args)
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
