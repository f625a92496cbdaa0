"""Pictures of the integration as a user sees it, in a real browser; fails on what looks broken.

    scripts/screenshots [--out DIR] [--keep] [--quick]     (runs this file with the project's venv)

Starts the simulators and Home Assistant the way scripts/develop does (scripts/develop_entries.py,
scripts/hass.py), in a temporary configuration folder on free ports, onboards an owner through
Home Assistant's onboarding API, and with headless Chromium (Debian's, driven by Playwright)
takes, into docs/images/:

- device.png: the MultiPlus's device page;
- config-flow.png: the first step of adding the integration (the port);
- options.png: the options dialog;
- dashboard.png: a dashboard made of the README's dashboard card YAML, exactly as given;
- energy.png: the Energy dashboard's settings with this integration's sensors as grid
  consumption, return to grid, battery and an individual device;
- repair.png: the fix flow of the repair for an adapter that moved: an entry set up on a port
  that is gone, its adapter (a third simulator's pty, listed as a USB adapter through
  scripts/usb_listing.py) offered where it is now; the fix is submitted and the entry must
  then load there.

Exits non-zero, saying which page and what, when a page shows "Entity not available",
"Unknown error", "Unavailable", an error alert (a config flow error) or a toast, when an
entity the README names does not exist or has no value, or when the integration logs an error.
Every wait is on a condition with a generous deadline (a slow 2-core machine in CI).
--keep leaves the configuration folder and Home Assistant's log in place and prints where.
--quick takes the Energy picture before Home Assistant's first statistics run (up to 5 minutes
away), with its "Statistics not defined" notes, and the dashboard before its history graph has
minutes of data: for checks whose pictures are not kept (CI).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Iterator
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
import functools
import json
import os
from pathlib import Path
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any, TypeVar

import aiohttp
from develop_entries import CHARGER_MODEL, DOMAIN, seed
from playwright.async_api import (
    Browser,
    Error as PlaywrightError,
    Page,
    TimeoutError as PlaywrightTimeoutError,
    async_playwright,
)
import yaml  # type: ignore[import-untyped]

REPO = Path(__file__).resolve().parent.parent
CONFIGURATION = REPO / "config" / "configuration.yaml"  # scripts/develop's
VEBUS_TITLE = "MultiPlus (simulator)"  # the entry develop_entries.py makes for vebus-sim
README = REPO / "README.md"
IMAGES = REPO / "docs" / "images"
# Debian's chromium; VEBUS_CHROMIUM names another build of Chromium or Chrome (a CI image's).
CHROMIUM = Path(os.environ.get("VEBUS_CHROMIUM", "/usr/bin/chromium"))
WIDTH = 1280
HEIGHT = 900  # taller for the pages whose point is further down

PYTHON = Path(sys.executable)

# Deadlines, generous for a loaded 2-core machine: none of them is a measurement.
START_DEADLINE = 600.0  # Home Assistant's first start (it may install its frontend)
VALUES_DEADLINE = 180.0  # every entity the README names has a value
PAGE_DEADLINE = 120.0  # a page or dialog shows what it should
POLL = 0.25

# What a broken page says; checked in the page's text, shadow roots included. A card names
# an entity that does not exist "Entity not found" (Home Assistant 2025.x: "Entity not
# available"); that and card warnings fail at once, while the page still loads.
MISSING_TEXTS = ("Entity not found", "Entity not available")
BROKEN_TEXTS = (*MISSING_TEXTS, "Unknown error", "Unavailable")
USERNAME = "owner"
PASSWORD = "screenshots"  # a throwaway instance on 127.0.0.1, deleted afterwards
ENTITY_ID = re.compile(r"\b(?:sensor|binary_sensor|number|select|switch|button)\.[a-z0-9_]+\b")

T = TypeVar("T")


class Failure(Exception):
    """What is wrong, as the user would see it; the script exits non-zero with it."""


async def wait_for(what: str, check: Callable[[], Awaitable[T | None]], deadline: float) -> T:
    """``check()``'s first result that is not None or False, polled until ``deadline`` s."""
    end = time.monotonic() + deadline
    while True:
        result = await check()
        if result is not None and result is not False:
            return result
        if time.monotonic() > end:
            raise Failure(f"{what}: not within {deadline:.0f} s")
        await asyncio.sleep(POLL)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the README ---------------------------------------------------------------------------


def readme_yaml_blocks(text: str) -> list[str]:
    """Every ```yaml block of the README, in order."""
    return re.findall(r"^```yaml\n(.*?)^```", text, flags=re.M | re.S)


def readme_cards(text: str) -> list[dict[str, Any]]:
    """The README's dashboard cards: YAML blocks that are a card (a mapping with a type)."""
    cards = []
    for block in readme_yaml_blocks(text):
        data = yaml.safe_load(block)
        if isinstance(data, dict) and "type" in data and "action" not in data:
            cards.append(data)
    return cards


def card_entities(card: Any) -> list[str]:
    return sorted(set(ENTITY_ID.findall(json.dumps(card))))


def card_names(card: Any, states: dict[str, dict[str, Any]]) -> Iterator[str]:
    """The names a card shows for its entities: its own ``name:``, else the entity's
    (or its id, which a card shows for an entity that does not exist)."""

    def name(entity_id: str) -> str:
        return str(states.get(entity_id, {}).get("attributes", {}).get("friendly_name", entity_id))

    if isinstance(card, dict):
        if isinstance(card.get("entity"), str) and ENTITY_ID.fullmatch(card["entity"]):
            yield card.get("name") or name(card["entity"])
        for key, value in card.items():
            if key != "entity":
                yield from card_names(value, states)
    elif isinstance(card, list):
        for item in card:
            if isinstance(item, str) and ENTITY_ID.fullmatch(item):
                yield name(item)
            else:
                yield from card_names(item, states)


# --- processes ----------------------------------------------------------------------------


@dataclass
class Processes:
    """The simulator and Home Assistant, ended (each by its own id) when done."""

    running: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, args: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(args, start_new_session=True, **kwargs)
        self.running.append(process)
        return process

    def stop(self) -> None:
        for process in reversed(self.running):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


async def start_simulator(processes: Processes, config: Path, command: str, *args: str) -> str:
    """``command`` (vebus-sim, vedirect-sim) on a free port, as scripts/develop starts it."""
    output = config / f"{command}.out"
    with output.open("wb") as out:
        sim = processes.start(
            [str(PYTHON.parent / command), "--tcp", f"127.0.0.1:{free_port()}", *args], stdout=out
        )

    async def listening() -> str | None:  # it prints its URL once it listens
        if sim.poll() is not None:
            raise Failure(f"{command} ended: {output.read_text(errors='replace')}")
        line = output.read_text().strip()
        return line if line.startswith("socket://") else None

    return await wait_for(f"{command} starting", listening, PAGE_DEADLINE)


async def start_pty_simulator(processes: Processes, config: Path) -> str:
    """A vebus-sim on a pty: the adapter of the repair picture; its port's path."""
    output = config / "vebus-sim-pty.out"
    with output.open("wb") as out:
        sim = processes.start([str(PYTHON.parent / "vebus-sim"), "--pty"], stdout=out)

    async def listening() -> str | None:  # it prints the pty's path once it is open
        if sim.poll() is not None:
            raise Failure(f"vebus-sim --pty ended: {output.read_text(errors='replace')}")
        line = output.read_text().strip()
        return line if line.startswith("/") else None

    return await wait_for("vebus-sim --pty starting", listening, PAGE_DEADLINE)


# The repair picture's entry: set up on a port that is gone, its adapter listed elsewhere.
MOVED_TITLE = "MultiPlus (garage)"
MOVED_SERIAL = "A10K7GQZ"  # the USB serial number of a plain FTDI adapter


def seed_moved_entry(config: Path, adapter: str) -> tuple[str, list[list[str]]]:
    """A disabled VE.Bus entry on a port that does not exist (enabled for the picture), and
    the USB listing that shows its adapter at ``adapter``: its entry id and that listing."""
    gone = "/dev/ttyUSB0" if not os.path.exists("/dev/ttyUSB0") else str(config / "ttyUSB0")
    store = config / ".storage" / "core.config_entries"
    data = json.loads(store.read_text())
    entry_id = "0123456789abcdef0123456789abcdef"
    data["data"]["entries"].append(
        {
            "entry_id": entry_id,
            "version": 1,
            "domain": DOMAIN,
            "title": MOVED_TITLE,
            "data": {
                "port": gone,
                "family": "vebus",
                "interface": "MK3",
                "usb_serial": MOVED_SERIAL,
            },
            "options": {},
            "source": "user",
            "unique_id": MOVED_SERIAL,
            "disabled_by": "user",
        }
    )
    store.write_text(json.dumps(data, indent=2))
    return entry_id, [[adapter, MOVED_SERIAL, "FT232R USB UART"]]


def start_home_assistant(
    processes: Processes, config: Path, port: int, usb_ports: list[list[str]]
) -> None:
    env = dict(os.environ, VEBUS_DEVELOP_HOST="127.0.0.1", VEBUS_DEVELOP_PORT=str(port))
    env["VEBUS_USB_PORTS"] = json.dumps(usb_ports)  # scripts/hass.py: scripts/usb_listing.py
    with (config / "hass.out").open("wb") as out:
        processes.start(
            [str(PYTHON), str(REPO / "scripts" / "hass.py"), "--config", str(config)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


# --- Home Assistant's APIs ----------------------------------------------------------------


@dataclass
class HomeAssistant:
    """One onboarded instance: REST and websocket calls as its owner."""

    base: str
    session: aiohttp.ClientSession
    tokens: dict[str, Any] = field(default_factory=dict)
    _ws: aiohttp.ClientWebSocketResponse | None = None
    _id: int = 0

    @property
    def client_id(self) -> str:
        return f"{self.base}/"

    async def started(self) -> bool:
        try:
            async with self.session.get(f"{self.base}/manifest.json") as response:
                return response.status == 200
        except aiohttp.ClientError:
            return False

    async def onboard(self) -> None:
        """Create the owner, log in, and finish the remaining onboarding steps."""
        async with self.session.post(
            f"{self.base}/api/onboarding/users",
            json={
                "client_id": self.client_id,
                "name": "Owner",
                "username": USERNAME,
                "password": PASSWORD,
                "language": "en",
            },
        ) as response:
            if response.status != 200:
                raise Failure(f"onboarding the owner: HTTP {response.status}")
            code = (await response.json())["auth_code"]
        async with self.session.post(
            f"{self.base}/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": self.client_id},
        ) as response:
            if response.status != 200:
                raise Failure(f"logging in: HTTP {response.status}")
            self.tokens = await response.json()
        for step, body in (
            ("core_config", {}),
            ("analytics", {}),
            ("integration", {"client_id": self.client_id, "redirect_uri": f"{self.base}/"}),
        ):
            async with self.session.post(
                f"{self.base}/api/onboarding/{step}", json=body, headers=self._auth
            ) as response:
                if response.status != 200:
                    raise Failure(f"onboarding step {step}: HTTP {response.status}")
        # What the core_config step's form would set; without a country Home Assistant
        # raises a repair.
        await self.ws(
            "config/core/update",
            country="NL",
            currency="EUR",
            time_zone="Europe/Amsterdam",
            unit_system="metric",
            language="en",
        )

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens['access_token']}"}

    async def states(self) -> dict[str, dict[str, Any]]:
        async with self.session.get(f"{self.base}/api/states", headers=self._auth) as response:
            response.raise_for_status()
            return {state["entity_id"]: state for state in await response.json()}

    async def delete_entry(self, entry_id: str) -> None:
        async with self.session.delete(
            f"{self.base}/api/config/config_entries/entry/{entry_id}", headers=self._auth
        ) as response:
            response.raise_for_status()

    async def ws(self, command: str, **data: Any) -> Any:
        """One websocket command's result."""
        if self._ws is None:
            self._ws = await self.session.ws_connect(f"{self.base}/api/websocket")
            await self._ws.receive_json()
            await self._ws.send_json({"type": "auth", "access_token": self.tokens["access_token"]})
            reply = await self._ws.receive_json()
            if reply.get("type") != "auth_ok":
                raise Failure(f"websocket login: {reply}")
        self._id += 1
        await self._ws.send_json({"id": self._id, "type": command, **data})
        while True:
            reply = await self._ws.receive_json()
            if reply.get("id") == self._id and reply.get("type") == "result":
                break
        if not reply["success"]:
            raise Failure(f"{command}: {reply['error']}")
        return reply["result"]

    def browser_tokens(self) -> str:
        """What the frontend keeps in localStorage after a login (``hassTokens``)."""
        return json.dumps(
            {
                "hassUrl": self.base,
                "clientId": self.client_id,
                "access_token": self.tokens["access_token"],
                "token_type": "Bearer",
                "expires_in": self.tokens["expires_in"],
                "refresh_token": self.tokens["refresh_token"],
                "expires": int(time.time() * 1000) + self.tokens["expires_in"] * 1000,
            }
        )


# --- the browser --------------------------------------------------------------------------

# The text a person sees, shadow roots included (Home Assistant's frontend is web components).
_COMPOSED_TEXT = """
() => {
  const parts = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) { parts.push(node.textContent); return; }
    if (node.nodeType !== Node.ELEMENT_NODE && node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE
        && node.nodeType !== Node.DOCUMENT_NODE) return;
    if (node.localName === 'style' || node.localName === 'script') return;
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) walk(child);
    if (node.localName === 'slot') for (const child of node.assignedNodes()) walk(child);
  };
  walk(document);
  return parts.join(' ').replace(/\\s+/g, ' ');
}
"""

# Error alerts (config flow errors among them) and open toasts, shadow roots included.
_PROBLEMS = """
() => {
  const found = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.localName === 'ha-alert' && el.getAttribute('alert-type') === 'error')
        found.push('error alert: ' + el.textContent.trim());
      if (el.localName === 'hui-warning')
        found.push('card warning: ' + el.textContent.trim());
      if (el.localName === 'ha-toast' && (el.open || el.hasAttribute('open')))
        found.push('toast: ' + (el.labelText || el.textContent || '').trim());
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return found;
}
"""


async def composed_text(page: Page) -> str:
    return str(await page.evaluate(_COMPOSED_TEXT))


async def check_page(page: Page, name: str, broken_texts: tuple[str, ...] = BROKEN_TEXTS) -> None:
    """Fail when ``page`` shows what a broken page shows."""
    text = await composed_text(page)
    for broken in broken_texts:
        if broken in text:
            at = text.index(broken)
            context = text[max(0, at - 120) : at + 80]
            raise Failure(f"{name}: the page shows {broken!r}: …{context}…")
    problems = await page.evaluate(_PROBLEMS)
    if problems:
        raise Failure(f"{name}: {'; '.join(problems)}")


async def wait_for_text(page: Page, name: str, texts: tuple[str, ...]) -> None:
    """Until every one of ``texts`` is on the page; fails at once on a missing entity."""

    async def shown() -> bool:
        await check_page(page, name, MISSING_TEXTS)
        text = await composed_text(page)
        return all(wanted in text for wanted in texts)

    try:
        await wait_for(f"{name}: waiting for {', '.join(texts)}", shown, PAGE_DEADLINE)
    except Failure:  # what the page showed instead
        failed = Path(tempfile.gettempdir()) / f"screenshots-failed-{name}.png"
        await page.screenshot(path=str(failed))
        print(f"scripts/screenshots: what the page showed: {failed}", file=sys.stderr)
        raise


# Every icon drawn: an ha-icon (an "mdi:" icon, loaded in the background) holds an
# ha-svg-icon with its path once loaded; until then the row shows no icon.
_ICONS_DRAWN = """
() => {
  let pending = 0;
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.localName === 'ha-icon' && el.shadowRoot) {
        const svg = el.shadowRoot.querySelector('ha-svg-icon');
        if (!svg || !svg.path) pending++;
      }
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return pending === 0;
}
"""


async def shoot(page: Page, out: Path, name: str) -> Path:
    await check_page(page, name)
    await wait_for(f"{name}: the icons drawn", lambda: page.evaluate(_ICONS_DRAWN), PAGE_DEADLINE)
    path = out / f"{name}.png"
    await page.screenshot(path=str(path))
    # A last look: what was saved is what was checked.
    await check_page(page, name)
    return path


# --- the pages ----------------------------------------------------------------------------


async def device_page(page: Page, hass: HomeAssistant, out: Path) -> Path:
    devices = await hass.ws("config/device_registry/list")
    device = next((d for d in devices if d["name"] == "MultiPlus"), None)  # not its interface
    if device is None:
        raise Failure("device page: no device of the integration")
    await page.set_viewport_size({"width": WIDTH, "height": 1600})
    await page.goto(f"{hass.base}/config/devices/device/{device['id']}")
    # The device info as a Victron owner reads it: model (product id), the interface it is
    # connected via, the firmware "v304 (2648304)".
    info = (device["model"], "MK3 interface", device["sw_version"])
    await wait_for_text(page, "device", ("MultiPlus", *info, "Controls", "Battery voltage"))
    path = await shoot(page, out, "device")
    await page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    return path


def strings() -> dict[str, Any]:
    path = REPO / "custom_components" / DOMAIN / "strings.json"
    return json.loads(path.read_text())  # type: ignore[no-any-return]


async def config_flow_page(page: Page, hass: HomeAssistant, out: Path) -> Path:
    """Add integration › this one, as Home Assistant's "add" link opens it."""
    steps = strings()["config"]["step"]
    link = f"{hass.base}/config/integrations/dashboard/add?domain={DOMAIN}"
    await page.goto(link)
    opened = time.monotonic()
    titles = (steps["user"]["title"], steps["manual"]["title"])
    # Home Assistant asks before it starts the flow of an integration given by a link; the
    # dialog may be drawn again while the page loads, so the OK is clicked until the flow shows.
    # A page that shows neither the question nor the flow for a while is opened again (seen
    # once in CI on a first run: the flow never came in 120 s).
    confirm = page.get_by_role("button", name="OK")

    async def flow_shown() -> str | None:
        nonlocal opened
        if shown := await _any_text(page, *titles):
            return shown
        with contextlib.suppress(PlaywrightError):
            await confirm.click(timeout=5000)
            return None
        if time.monotonic() - opened > PAGE_DEADLINE / 4:
            print("scripts/screenshots: config flow: the link opened again", file=sys.stderr)
            await page.goto(link)
            opened = time.monotonic()
        return None

    text = await wait_for("config flow: waiting for the port step", flow_shown, PAGE_DEADLINE)
    step = next(step for step in steps.values() if step["title"] == text)
    await wait_for_text(page, "config-flow", (*form_texts(step), "Submit"))
    return await shoot(page, out, "config-flow")


def form_texts(step: dict[str, Any]) -> tuple[str, ...]:
    """What a form step shows once drawn: its title, its fields' labels, and the first words
    of its descriptions (rendered from markdown after the form, so they come last)."""
    described = [step.get("description", ""), *step.get("data_description", {}).values()]
    words = (text.split('"')[0][:40] for text in described if text)
    texts = (step["title"], *step.get("data", {}).values(), *words)
    return tuple(text for text in texts if "[%key:" not in text)  # references: resolved elsewhere


async def _any_text(page: Page, *texts: str) -> str | None:
    shown = await composed_text(page)
    return next((text for text in texts if text in shown), None)


async def options_page(page: Page, hass: HomeAssistant, out: Path) -> Path:
    """The MultiPlus entry's cog (Configure) on the integration's page."""
    init = strings()["options"]["step"]["init"]
    await page.goto(f"{hass.base}/config/integrations/integration/{DOMAIN}")
    entry = page.locator("ha-md-list-item", has_text=VEBUS_TITLE).first
    configure = entry.get_by_role("button", name="Configure").first
    await configure.wait_for(timeout=PAGE_DEADLINE * 1000)
    await configure.click()
    await wait_for_text(page, "options", (*form_texts(init), "Submit"))
    return await shoot(page, out, "options")


async def dashboard_page(
    page: Page, hass: HomeAssistant, out: Path, *, with_history: bool = True
) -> Path:
    """A dashboard of exactly the README's card YAML, stored through the lovelace API; taken
    once its history graph has data enough to be seen (not a line at the chart's edge)."""
    cards = readme_cards(README.read_text())
    if not cards:
        raise Failure("dashboard: the README has no dashboard card YAML")
    url_path = "victron-vebus"
    await hass.ws(
        "lovelace/dashboards/create",
        url_path=url_path,
        title="Victron",
        icon="mdi:flash",
        show_in_sidebar=True,
        require_admin=False,
        mode="storage",
    )
    await hass.ws(
        "lovelace/config/save",
        url_path=url_path,
        config={"views": [{"title": "MultiPlus", "path": "multiplus", "cards": cards}]},
    )
    if with_history:
        await wait_for_history(hass, cards)
    await page.goto(f"{hass.base}/{url_path}/multiplus")
    states = await hass.states()
    names = {name for card in cards for name in card_names(card, states)}
    # The entities card may leave the device's name out ("Mode").
    short = tuple(sorted(name.removeprefix("MultiPlus ") for name in names))
    await wait_for_text(page, "dashboard", short)
    await wait_for(
        "dashboard: waiting for the history graph's lines",
        lambda: page.evaluate(_CHARTS_DRAWN),
        PAGE_DEADLINE,
    )
    return await shoot(page, out, "dashboard")


# How much recorded history the README's history graph needs before its picture: a fifth
# of its window, enough to see the lines (12 minutes of the README's 1-hour graph).
HISTORY_SHARE = 0.2
HISTORY_DEADLINE = 1200.0


async def wait_for_history(hass: HomeAssistant, cards: list[dict[str, Any]]) -> None:
    """Until every history graph's entities have recorded states over a share of its window."""
    for card in history_graphs(cards):
        hours = float(card.get("hours_to_show", 24))
        entity_ids = [e if isinstance(e, str) else e["entity"] for e in card["entities"]]
        needed = hours * 3600 * HISTORY_SHARE
        await wait_for(
            f"dashboard: {needed / 60:.0f} minutes of history of {', '.join(entity_ids)}",
            functools.partial(recorded_for, hass, entity_ids, hours, needed),
            HISTORY_DEADLINE,
        )


async def recorded_for(
    hass: HomeAssistant, entity_ids: list[str], hours: float, needed: float
) -> bool:
    """Each entity has a state recorded ``needed`` seconds ago or earlier, within ``hours``."""
    history = await hass.ws(
        "history/history_during_period",
        start_time=datetime.fromtimestamp(time.time() - hours * 3600, UTC).isoformat(),
        entity_ids=entity_ids,
        minimal_response=True,
        no_attributes=True,
    )
    # The graph draws a state from when it was recorded until the next, the last one until
    # now: a steady value is a line too.
    now = time.time()
    spans = [
        now - states[0]["lu"] if states else 0.0
        for states in (history.get(entity_id, []) for entity_id in entity_ids)
    ]
    return min(spans) >= needed


def history_graphs(cards: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for card in cards:
        if card.get("type") == "history-graph":
            yield card
        yield from history_graphs(card.get("cards", []))


# Every history graph has drawn its chart with data: each series of its echarts instance
# (ha-chart-base's ``chart``) has points. (The browser asks for reduced motion, so the
# lines are drawn at once, not animated in after the picture.)
_CHARTS_DRAWN = """
() => {
  let graphs = 0, drawn = 0;
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.localName === 'hui-history-graph-card') graphs++;
      if (el.localName === 'ha-chart-base' && el.chart) {
        const series = el.chart.getOption().series || [];
        if (series.length && series.every((s) => s.data && s.data.length > 0)) drawn++;
      }
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return graphs > 0 ? drawn >= graphs : true;
}
"""


def energy_preferences(states: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Grid, battery and loads from this integration's sensors, as docs/energy-dashboard.md says."""
    wanted = {
        "import": "sensor.multiplus_grid_energy_import",
        "export": "sensor.multiplus_grid_energy_export",
        "battery_in": "sensor.multiplus_battery_energy_in",
        "battery_out": "sensor.multiplus_battery_energy_out",
        "loads": "sensor.multiplus_ac_output_energy",
        "grid_power": "sensor.multiplus_ac_input_power",
        "battery_power": "sensor.multiplus_battery_power",
    }
    missing = [entity_id for entity_id in wanted.values() if entity_id not in states]
    if missing:
        raise Failure(f"energy: no {', '.join(missing)}")
    no_price = {"entity_energy_price": None, "number_energy_price": None}
    return {
        "energy_sources": [
            {
                "type": "grid",
                "flow_from": [
                    {"stat_energy_from": wanted["import"], "stat_cost": None, **no_price}
                ],
                "flow_to": [
                    {"stat_energy_to": wanted["export"], "stat_compensation": None, **no_price}
                ],
                # + = drawn from the grid, as Home Assistant counts grid power.
                "power": [{"power_config": {"stat_rate": wanted["grid_power"]}}],
                "cost_adjustment_day": 0,
            },
            {
                "type": "battery",
                "stat_energy_from": wanted["battery_out"],
                "stat_energy_to": wanted["battery_in"],
                # + = charging here; Home Assistant counts + = discharging.
                "power_config": {"stat_rate_inverted": wanted["battery_power"]},
            },
        ],
        "device_consumption": [{"stat_consumption": wanted["loads"]}],
    }


# Home Assistant writes statistics metadata at its 5-minute statistics run; until then the
# Energy settings say "Statistics not defined" for new sensors. Anything else is a fault.
STATISTICS_DEADLINE = 420.0
NOT_YET = "statistics_not_defined"


async def energy_issues(hass: HomeAssistant) -> list[dict[str, Any]]:
    result = await hass.ws("energy/validate")
    return [
        issue
        for part in ("energy_sources", "device_consumption")
        for issues in result[part]
        for issue in issues
    ]


async def energy_page(
    page: Page, hass: HomeAssistant, out: Path, *, wait_for_statistics: bool = True
) -> Path:
    prefs = energy_preferences(await hass.states())
    await hass.ws("energy/save_prefs", **prefs)

    async def valid() -> bool:
        issues = await energy_issues(hass)
        faults = [issue for issue in issues if issue["type"] != NOT_YET]
        if faults:
            raise Failure(f"energy: Home Assistant finds fault with the sensors: {faults}")
        return not issues or not wait_for_statistics

    await wait_for("energy: statistics of the new sensors", valid, STATISTICS_DEADLINE)
    await page.set_viewport_size({"width": WIDTH, "height": 1400})
    await page.goto(f"{hass.base}/config/energy")
    await wait_for_text(
        page,
        "energy",
        ("Grid energy import", "Grid energy export", "Battery energy in", "AC output energy"),
    )
    path = await shoot(page, out, "energy")
    await page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    return path


async def repair_page(page: Page, hass: HomeAssistant, out: Path, entry_id: str) -> Path:
    """The moved-adapter repair's fix flow, as Settings › System › Repairs opens it; then
    submitted, and the entry must load on the port it offered."""
    issue = strings()["issues"]["port_moved"]
    await hass.ws("config_entries/disable", entry_id=entry_id, disabled_by=None)

    async def raised() -> bool:
        issues = (await hass.ws("repairs/list_issues"))["issues"]
        return any(i["issue_id"] == f"port_moved_{entry_id}" for i in issues)

    await wait_for("the moved adapter's repair", raised, PAGE_DEADLINE)
    await page.goto(f"{hass.base}/config/repairs")
    await wait_for_text(page, "repair", (issue["title"],))
    await page.get_by_text(issue["title"]).first.click()
    step = issue["fix_flow"]["step"]["moved"]
    await wait_for_text(page, "repair", (step["title"], MOVED_SERIAL, "(try again)", "Submit"))
    path = await shoot(page, out, "repair")
    await page.get_by_role("button", name="Submit").click()

    async def loaded() -> bool:
        entries = await hass.ws("config_entries/get")
        return any(e["entry_id"] == entry_id and e["state"] == "loaded" for e in entries)

    await wait_for("the entry loaded on the port the repair offered", loaded, PAGE_DEADLINE)
    return path


async def wait_for_values(hass: HomeAssistant, entity_ids: list[str]) -> None:
    """Until every entity the README names exists and has a value."""

    async def valued() -> bool:
        states = await hass.states()
        return all(
            entity_id in states and states[entity_id]["state"] not in ("unavailable", "unknown")
            for entity_id in entity_ids
        )

    try:
        await wait_for("the README's entities having values", valued, VALUES_DEADLINE)
    except Failure:
        states = await hass.states()
        bad = {e: states[e]["state"] if e in states else "does not exist" for e in entity_ids}
        raise Failure(
            "the README's entities: "
            + ", ".join(
                f"{e} {s}"
                for e, s in bad.items()
                if s in ("unavailable", "unknown", "does not exist")
            )
        ) from None


# Onboarding sets these up in the background (Radio Browser fails without the internet);
# Home Assistant also adds "met" when the home has a location, which this one has not.
ONBOARDING_DOMAINS = ("google_translate", "radio_browser", "shopping_list")


async def remove_other_entries(hass: HomeAssistant) -> None:
    """Leave this integration's entries alone on the integrations page."""

    async def onboarded() -> bool:
        domains = {entry["domain"] for entry in await hass.ws("config_entries/get")}
        return all(domain in domains for domain in ONBOARDING_DOMAINS)

    try:
        await wait_for("onboarding's integrations", onboarded, PAGE_DEADLINE)
    except Failure as failure:  # another Home Assistant may add others: remove what is there
        print(f"scripts/screenshots: note: {failure}", file=sys.stderr)
    for entry in await hass.ws("config_entries/get"):
        if entry["domain"] != DOMAIN:
            await hass.delete_entry(entry["entry_id"])


def integration_errors(log: Path) -> list[str]:
    """ERROR lines and tracebacks of this integration in Home Assistant's log."""
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return [line for line in lines if " ERROR " in line and DOMAIN in line]


async def take_pictures(
    browser: Browser, hass: HomeAssistant, out: Path, moved_entry: str, *, quick: bool = False
) -> list[Path]:
    context = await browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT}, locale="en-GB", reduced_motion="reduce"
    )
    await context.add_init_script(
        f"window.localStorage.setItem('hassTokens', {json.dumps(hass.browser_tokens())});"
    )
    page = await context.new_page()
    saved = []
    energy = functools.partial(energy_page, wait_for_statistics=not quick)
    repair = functools.partial(repair_page, entry_id=moved_entry)
    dashboard = functools.partial(dashboard_page, with_history=not quick)
    # The Energy settings and the dashboard after the others: they wait for Home Assistant's
    # statistics run and for minutes of history. The repair last: its entry adds a second
    # MultiPlus once it is fixed.
    for name, take in (
        ("device", device_page),
        ("options", options_page),
        ("config flow", config_flow_page),
        ("energy", energy),
        ("dashboard", dashboard),
        ("repair", repair),
    ):
        try:
            saved.append(await take(page, hass, out))
        except (Failure, PlaywrightTimeoutError) as err:
            shown = Path(tempfile.gettempdir()) / f"screenshots-failed-{name.replace(' ', '-')}.png"
            with contextlib.suppress(PlaywrightError):
                await page.screenshot(path=str(shown), full_page=True)
                text = " ".join((await composed_text(page)).split())
                print(f"scripts/screenshots: the page's text: {text[:600]}", file=sys.stderr)
            print(f"scripts/screenshots: what the page showed: {shown}", file=sys.stderr)
            raise Failure(f"{name}: {err}") from None
    await context.close()
    return saved


async def main_async(out: Path, keep: bool, quick: bool = False) -> list[Path]:
    if not CHROMIUM.exists():
        raise Failure(f"no {CHROMIUM} (scripts/screenshots installs Debian's chromium)")
    out.mkdir(parents=True, exist_ok=True)
    config = Path(tempfile.mkdtemp(prefix="vebus-screenshots-"))
    processes = Processes()
    try:
        url = await start_simulator(processes, config, "vebus-sim")
        charger_url = await start_simulator(
            processes, config, "vedirect-sim", "--model", CHARGER_MODEL
        )
        adapter = await start_pty_simulator(processes, config)
        shutil.copy(CONFIGURATION, config / "configuration.yaml")
        (config / "automations.yaml").write_text("[]\n")  # as scripts/develop makes them
        (config / "scripts.yaml").write_text("{}\n")
        seed(config, url, charger_url)
        moved_entry, usb_ports = seed_moved_entry(config, adapter)
        port = free_port()
        start_home_assistant(processes, config, port, usb_ports)
        async with aiohttp.ClientSession() as session:
            hass = HomeAssistant(f"http://127.0.0.1:{port}", session)
            await wait_for("Home Assistant starting", hass.started, START_DEADLINE)
            await hass.onboard()
            await remove_other_entries(hass)
            entity_ids = sorted(
                {e for card in readme_cards(README.read_text()) for e in card_entities(card)}
            )
            await wait_for_values(hass, entity_ids)
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=str(CHROMIUM))
                try:
                    saved = await take_pictures(browser, hass, out, moved_entry, quick=quick)
                finally:
                    await browser.close()
        errors = integration_errors(config / "home-assistant.log")
        if errors:
            raise Failure("the integration logged errors:\n" + "\n".join(errors[:20]))
        return saved
    except Exception:
        log = config / "home-assistant.log"
        if log.exists():
            lines = log.read_text(errors="replace").splitlines()
            tail = [line for line in lines if ".vebus.link]" not in line]
            print("--- Home Assistant's log (last lines, frames left out)", file=sys.stderr)
            print("\n".join(tail[-40:]), file=sys.stderr)
        raise
    finally:
        processes.stop()
        if keep:
            print(f"kept {config}", file=sys.stderr)
        else:
            shutil.rmtree(config, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=IMAGES, help="where the PNGs go")
    parser.add_argument("--keep", action="store_true", help="keep the configuration folder")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="do not wait up to 5 minutes for Home Assistant's first statistics run: the Energy "
        'picture then shows "Statistics not defined" (for checks whose pictures are not kept)',
    )
    args = parser.parse_args()
    started = time.monotonic()
    try:
        saved = asyncio.run(main_async(args.out, args.keep, args.quick))
    except Failure as failure:
        print(f"scripts/screenshots: FAILED: {failure}", file=sys.stderr)
        return 1
    for path in saved:
        print(f"saved {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    print(f"scripts/screenshots: {len(saved)} pictures in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
