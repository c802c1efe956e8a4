// Browser end-to-end test of the Micboard card, driven by tests/e2e/test_card_browser.py.
//
//   node tests/e2e/card.e2e.mjs --address URL --control URL --user U --password P \
//     --names '["Pastor", …]' --printed-at MS --screenshot PNG
//
// Opens the address the demo printed in headless Chromium, logs in through
// Home Assistant's real login page and stays wherever Home Assistant lands
// (no navigation of its own), then checks: the landing page is the Micboard
// board and the board is in the sidebar; the page shows the Micboard card
// with one tile per simulated channel and every channel's name; meters move;
// a transmitter switched off through the simulator's control API turns its
// tile to the tx-off state within 2 s; a renamed channel reaches its tile; the
// console is free of errors.  Saves a screenshot of the card.  Prints one
// JSON line (prefix "E2E-RESULT ") and exits non-zero on any failure.
//
// Chromium only ever talks to 127.0.0.1: every other host name resolves to
// nothing, and background networking is off.

import { mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const FRONTEND = join(HERE, "..", "..", "frontend");
const TX_OFF_LIMIT_MS = 2000;
const DEADLINE_MS = 120_000;

const { values: args } = parseArgs({
  options: {
    address: { type: "string" },
    control: { type: "string" },
    names: { type: "string" },
    "printed-at": { type: "string" },
    "board-path": { type: "string", default: "/micboard-board" },
    user: { type: "string" },
    password: { type: "string" },
    screenshot: { type: "string" },
    chromium: { type: "string", default: process.env.CHROMIUM || "/usr/bin/chromium" },
    artifacts: { type: "string" },
  },
});
for (const name of ["address", "control", "user", "password", "screenshot", "names", "printed-at"]) {
  if (!args[name]) fail(`missing --${name}`);
}

function fail(message) {
  console.error(`E2E-FAIL ${message}`);
  process.exit(1);
}

function loadPlaywright() {
  try {
    return createRequire(join(FRONTEND, "package.json"))("playwright-core");
  } catch (err) {
    fail(`playwright-core is not installed: run "npm ci --prefix frontend" (${err.message})`);
  }
}

const log = (message) => console.log(`e2e: ${message}`);
const started = Date.now();
const elapsed = () => Date.now() - started;

async function control(path, body) {
  const response = await fetch(`${args.control}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`simulator ${path}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

/** Poll fn until it returns a truthy value or the timeout passes. */
async function until(what, fn, timeoutMs, everyMs = 50) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

const { chromium } = loadPlaywright();
const profile = mkdtempSync(join(tmpdir(), "micboard-chromium-"));
const consoleErrors = [];
const result = { tiles: 0 };
let context;
let page;
const watchdog = setTimeout(() => {
  console.error(`E2E-FAIL overall deadline of ${DEADLINE_MS} ms passed`);
  process.exit(1);
}, DEADLINE_MS);

try {
  const { receivers } = await control("/receivers");
  const direct = receivers.reduce((sum, receiver) => sum + receiver.channels, 0);
  log(`${receivers.length} simulated receivers with ${direct} channels, and a System API server`);

  context = await chromium.launchPersistentContext(profile, {
    executablePath: args.chromium,
    headless: true,
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
      "--disable-domain-reliability",
      "--disable-client-side-phishing-detection",
      "--no-pings",
      "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ],
  });
  page = context.pages()[0] || (await context.newPage());
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) =>
    consoleErrors.push(`page error: ${error.message || error}${error.stack ? ` ${error.stack}` : ""}`)
  );
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (!["127.0.0.1", ""].includes(url.hostname) && url.protocol !== "data:") {
      consoleErrors.push(`request to another host: ${request.url()}`);
    }
  });

  // The address the demo printed, and the real login page.
  await page.goto(args.address);
  await page.locator('input[name="username"]').fill(args.user, { timeout: 20_000 });
  await page.locator('input[name="password"]').fill(args.password);
  await page.locator('ha-button[variant="brand"]').click();
  await page.waitForURL((url) => !url.pathname.startsWith("/auth/"), { timeout: 20_000 });
  log(`logged in (${elapsed()} ms)`);

  // Where Home Assistant lands by itself: the board (its default dashboard).
  await until(
    `Home Assistant to open ${args["board-path"]}`,
    async () => new URL(page.url()).pathname.startsWith(args["board-path"]),
    20_000,
    100
  ).catch((err) => {
    throw new Error(`${err.message}; the page is at ${page.url()}`);
  });
  result.landing = new URL(page.url()).pathname;
  log(`landed on ${result.landing} (${elapsed()} ms)`);
  const sidebarItem = page.locator(`ha-sidebar [href="${args["board-path"]}"]`);
  await until("the board in the sidebar", async () => (await sidebarItem.count()) > 0, 10_000, 100);
  // The link sits in the shadow root of the sidebar item that shows its title.
  result.sidebar = await sidebarItem.first().evaluate((node) => {
    const item = node.getRootNode().host || node;
    return (item.innerText || item.textContent || "").trim();
  });

  // The Micboard card, one tile per channel (the simulated receivers' and the
  // devices' behind the System API server), every channel's name on it.
  const wantedNames = JSON.parse(args.names);
  const expected = wantedNames.length;
  const tiles = page.locator("micboard-card .tile");
  const names = () =>
    page.$$eval("micboard-card .tile .name", (nodes) => nodes.map((node) => (node.textContent || "").trim()));
  await until(
    `${expected} tiles named ${wantedNames.join(", ")}`,
    async () =>
      (await tiles.count()) === expected &&
      (await page.locator('micboard-card .status[data-status="live"]').count()) === 1 &&
      JSON.stringify([...(await names())].sort()) === JSON.stringify([...wantedNames].sort()),
    60_000,
    200
  ).catch(async (err) => {
    throw new Error(`${err.message}; tiles seen: ${await tiles.count()}, names: ${JSON.stringify(await names())}`);
  });
  result.boardMs = Date.now() - Number(args["printed-at"]);
  result.tiles = await tiles.count();
  result.names = await names();
  result.visibleNames = await page.locator("micboard-card .tile .name").evaluateAll(
    (nodes) => nodes.filter((node) => node.getBoundingClientRect().height > 0).length
  );
  log(`${result.tiles} tiles with their names, ${result.boardMs} ms after the address was printed`);

  // Meters move (the venue runs live; metering is on).
  const meters = () =>
    page.$$eval("micboard-card .tile", (nodes) =>
      nodes.map((node) => `${node.dataset.key}=${node.dataset.rf}/${node.dataset.audio}`)
    );
  const before = await meters();
  const moveStart = Date.now();
  await until("a meter to move", async () => (await meters()).some((value, i) => value !== before[i]), 10_000, 100);
  result.meterMoveMs = Date.now() - moveStart;
  log(`meters move (${result.meterMoveMs} ms)`);

  // Transmitter off through the simulator: the tile turns tx-off within 2 s.
  const target = receivers.find((receiver) => receiver.model === "ULXD4Q") || receivers[0];
  const tile = page.locator(`micboard-card .tile[data-model="${target.model}"][data-channel="1"]`);
  if ((await tile.count()) !== 1) throw new Error(`no single tile for ${target.model} channel 1`);
  let stateBefore = await tile.getAttribute("data-state");
  if (stateBefore === "tx_off") {
    // A re-run against the same venue: switch it on first.
    await control(`/receivers/${encodeURIComponent(target.name)}/channels/1/transmitter`, { on: true });
    await until("the tile to leave tx off", async () => (await tile.getAttribute("data-state")) !== "tx_off", 5_000);
    stateBefore = await tile.getAttribute("data-state");
  }
  const offStart = Date.now();
  await control(`/receivers/${encodeURIComponent(target.name)}/channels/1/transmitter`, { on: false });
  await until("the tile to show tx off", async () => (await tile.getAttribute("data-state")) === "tx_off", TX_OFF_LIMIT_MS, 20);
  result.txOffMs = Date.now() - offStart;
  const label = await tile.locator(".chip.state").textContent();
  if (label !== "TX OFF") throw new Error(`tx-off tile says ${JSON.stringify(label)}`);
  log(`${target.name} channel 1: ${stateBefore} → tx_off in ${result.txOffMs} ms`);

  // A channel renamed on the receiver reaches its tile (then gets its name back).
  const byModel = Object.fromEntries(receivers.map((receiver) => [receiver.model, receiver.name]));
  const renamed = page.locator('micboard-card .tile[data-model="ULXD4Q"][data-channel="2"] .name');
  if (byModel.ULXD4Q) {
    const original = (await renamed.textContent()).trim();
    for (const name of ["Lead 2", original]) {
      await control(`/receivers/${encodeURIComponent(byModel.ULXD4Q)}/channels/2/name`, { name });
      await until(`the renamed channel to show ${name}`, async () => (await renamed.textContent()).trim() === name, 5_000, 100);
    }
    log("a renamed channel reached its tile");
  }

  // A fuller picture for the screenshot: interference, a flat battery, a mute.
  const extras = [
    ["AD4Q", 3, "interference", { active: true }],
    ["SLXD4D", 2, "battery", { bars: 1, minutes: 25 }],
    ["ULXD4Q", 3, "mute", { muted: true }],
  ];
  for (const [model, channel, action, body] of extras) {
    if (byModel[model]) {
      await control(`/receivers/${encodeURIComponent(byModel[model])}/channels/${channel}/${action}`, body);
    }
  }
  await until(
    "the extra states",
    async () =>
      (await page.locator('micboard-card .tile[data-state="interference"]').count()) > 0 ||
      !byModel.AD4Q,
    5_000,
    100
  ).catch(() => log("note: interference did not show (the screenshot goes on)"));
  await page.waitForTimeout(1500);

  const card = page.locator("micboard-card");
  mkdirSync(dirname(args.screenshot), { recursive: true });
  await card.screenshot({ path: args.screenshot });
  log(`screenshot ${args.screenshot} (${elapsed()} ms)`);

  if (consoleErrors.length) {
    throw new Error(`browser console errors:\n  ${consoleErrors.join("\n  ")}`);
  }
  result.ok = true;
} catch (err) {
  result.ok = false;
  result.error = err && err.message ? err.message : String(err);
  if (page && args.artifacts) {
    // What the browser showed when it failed.
    mkdirSync(args.artifacts, { recursive: true });
    await page.screenshot({ path: join(args.artifacts, "failure.png"), fullPage: true }).catch(() => {});
    result.failureScreenshot = join(args.artifacts, "failure.png");
    result.url = page.url();
  }
} finally {
  clearTimeout(watchdog);
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}

result.consoleErrors = consoleErrors;
result.elapsedMs = elapsed();
console.log(`E2E-RESULT ${JSON.stringify(result)}`);
if (!result.ok) {
  console.error(`E2E-FAIL ${result.error}`);
  process.exit(1);
}
