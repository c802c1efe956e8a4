// Browser test of the board's show features (issue 12), driven by
// tests/e2e/test_board_browser.py against the demo (a real Home Assistant).
//
//   node tests/e2e/board.e2e.mjs --address URL --control URL --user U --password P --shots DIR
//
// Checks with assertions: a chart with points; a face on a tile whose
// performer is a Home Assistant person; the last known battery on a tile
// after its transmitter went off; a group switch by key; on a phone, a tap
// opens a channel's details; the TV view fills 1920×1080 with ≥ 16 tiles, no
// scrolling, no header or sidebar.  Saves desk, phone and TV screenshots in
// --shots.  Prints one JSON line (prefix "E2E-RESULT "); exits non-zero on a
// failure.  Chromium only ever talks to 127.0.0.1.

import { mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const FRONTEND = join(HERE, "..", "..", "frontend");
const DEADLINE_MS = 150_000;

const { values: args } = parseArgs({
  options: {
    address: { type: "string" },
    control: { type: "string" },
    user: { type: "string" },
    password: { type: "string" },
    shots: { type: "string" },
    "board-path": { type: "string", default: "/micboard-board" },
    chromium: { type: "string", default: process.env.CHROMIUM || "/usr/bin/chromium" },
  },
});
for (const name of ["address", "control", "user", "password", "shots"]) {
  if (!args[name]) fail(`missing --${name}`);
}

function fail(message) {
  console.error(`E2E-FAIL ${message}`);
  process.exit(1);
}

const log = (message) => console.log(`e2e: ${message}`);
const started = Date.now();

async function control(path, body) {
  const response = await fetch(`${args.control}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`simulator ${path}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

async function until(what, fn, timeoutMs, everyMs = 100) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

let chromium;
try {
  ({ chromium } = createRequire(join(FRONTEND, "package.json"))("playwright-core"));
} catch (err) {
  fail(`playwright-core is not installed: run "npm ci --prefix frontend" (${err.message})`);
}
const profile = mkdtempSync(join(tmpdir(), "micboard-board-"));
const consoleErrors = [];
const result = {};
let context;
let page;
const watchdog = setTimeout(() => {
  console.error(`E2E-FAIL overall deadline of ${DEADLINE_MS} ms passed`);
  process.exit(1);
}, DEADLINE_MS);

function watch(target) {
  target.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(`console: ${message.text()}`);
  });
  target.on("pageerror", (error) => consoleErrors.push(`page error: ${error.message || error}`));
  target.on("request", (request) => {
    const url = new URL(request.url());
    if (!["127.0.0.1", ""].includes(url.hostname) && url.protocol !== "data:") {
      consoleErrors.push(`request to another host: ${request.url()}`);
    }
  });
}

try {
  mkdirSync(args.shots, { recursive: true });
  const { receivers } = await control("/receivers");
  const byModel = Object.fromEntries(receivers.map((receiver) => [receiver.model, receiver.name]));
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
      "--no-pings",
      "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ],
  });
  page = context.pages()[0] || (await context.newPage());
  watch(page);
  await page.goto(args.address);
  await page.locator('input[name="username"]').fill(args.user, { timeout: 20_000 });
  await page.locator('input[name="password"]').fill(args.password);
  await page.locator('ha-button[variant="brand"]').click();
  await page.waitForURL((url) => !url.pathname.startsWith("/auth/"), { timeout: 20_000 });
  // Home Assistant opens the board by itself (its default dashboard); once
  // there, the login is stored and other pages open directly.
  await until("the board to open", async () => new URL(page.url()).pathname.startsWith(args["board-path"]), 20_000);
  await until("the stored login", async () => page.evaluate(() => !!localStorage.getItem("hassTokens")), 10_000);
  const tiles = page.locator("micboard-card .tile");
  await until("the live board", async () =>
    (await page.locator('micboard-card .status[data-status="live"]').count()) === 1 && (await tiles.count()) >= 15,
    60_000
  );
  result.deskTiles = await tiles.count();
  log(`desk board with ${result.deskTiles} tiles`);

  // A chart with points (history first, then the live stream).
  result.chartPoints = await until(
    "a chart with points",
    async () => {
      const counts = await page.$$eval("micboard-card .tile", (nodes) =>
        nodes.map((node) => Number(node.dataset.chartPoints || 0))
      );
      const best = Math.max(0, ...counts);
      return best >= 3 ? best : 0;
    },
    20_000,
    250
  );
  const polyline = await page.$$eval("micboard-card .tile polyline.rfline", (nodes) =>
    Math.max(0, ...nodes.map((node) => (node.getAttribute("points") || "").trim().split(/\s+/).filter(Boolean).length))
  );
  if (polyline < 3) throw new Error(`no drawn chart line (${polyline} points)`);
  log(`a chart with ${result.chartPoints} points`);

  // A face: the performer is a Home Assistant person with a picture.
  result.faces = await until(
    "a face on an assigned tile",
    async () => page.locator('micboard-card .tile[data-face="true"]').count(),
    15_000
  );
  const faceImage = await page
    .locator('micboard-card .tile[data-face="true"] .face')
    .first()
    .evaluate((node) => getComputedStyle(node).backgroundImage);
  if (!faceImage.startsWith("url(")) throw new Error(`the face has no picture: ${faceImage}`);
  const facePerformer = await page.locator('micboard-card .tile[data-face="true"] .performer').first().textContent();
  log(`a face on ${facePerformer}'s tile`);

  // Last known battery after the transmitter went off.
  const rx = byModel.ULXD4Q;
  const lastTile = page.locator('micboard-card .tile[data-model="ULXD4Q"][data-channel="4"]');
  await control(`/receivers/${encodeURIComponent(rx)}/channels/4/transmitter`, { on: true });
  await until("a battery on the tile", async () => (await lastTile.getAttribute("data-battery")) !== "", 10_000);
  const barsOn = await lastTile.getAttribute("data-battery");
  await control(`/receivers/${encodeURIComponent(rx)}/channels/4/transmitter`, { on: false });
  await until("tx off with the last battery", async () =>
    (await lastTile.getAttribute("data-state")) === "tx_off" && (await lastTile.getAttribute("data-last-battery")) !== "",
    5_000
  );
  result.lastKnown = {
    bars: await lastTile.getAttribute("data-battery"),
    barsBefore: barsOn,
    status: await lastTile.getAttribute("data-last-battery"),
    text: (await lastTile.locator(".percent").textContent()).trim(),
    age: (await lastTile.locator(".runtime").textContent()).trim(),
    // Striped or blue, not the plain grey of a transmitter that is off.
    background: await lastTile.evaluate((node) => {
      const style = getComputedStyle(node);
      return style.backgroundImage !== "none" ? "striped" : style.backgroundColor;
    }),
  };
  log(`last known battery after tx off: ${JSON.stringify(result.lastKnown)}`);

  await page.waitForTimeout(800);
  await page.locator("micboard-card").screenshot({ path: join(args.shots, "board-desk.png") });
  await control(`/receivers/${encodeURIComponent(rx)}/channels/4/transmitter`, { on: true });

  // Groups by key: 2 = Speech, 1 = Stage (with a spacer), 0 = all.
  await page.locator("body").click({ position: { x: 5, y: 5 } }).catch(() => {});
  const count = async () => ({
    tiles: await tiles.count(),
    spacers: await page.locator("micboard-card .spacer").count(),
  });
  await page.keyboard.press("2");
  result.group2 = await until("group 2", async () => ((await count()).tiles === 3 ? await count() : null), 5_000);
  await page.keyboard.press("1");
  result.group1 = await until("group 1", async () => ((await count()).tiles === 8 ? await count() : null), 5_000);
  await page.keyboard.press("0");
  result.group0 = await until("all", async () => ((await count()).tiles === result.deskTiles ? await count() : null), 5_000);
  log(`groups by key: ${JSON.stringify([result.group2, result.group1, result.group0])}`);

  // Phone: a tap opens the channel's details.
  const phone = await context.newPage();
  watch(phone);
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(new URL(`${args["board-path"]}/board`, args.address).href);
  await until("the phone board", async () => (await phone.locator("micboard-card .tile").count()) >= 15, 30_000);
  // Tom on the Axient receiver: its channels have an identify button.
  const tom = phone.locator('micboard-card .tile[data-model="AD4Q"][data-face="true"]').first();
  await tom.scrollIntoViewIfNeeded();
  await tom.click();
  await until("the details dialog", async () => (await phone.locator("micboard-card .dialog .panel").count()) === 1, 5_000);
  result.phoneRows = await phone.locator("micboard-card .dialog .drow").count();
  result.phoneButtons = await phone.$$eval("micboard-card .dialog .dactions button", (nodes) =>
    nodes.map((node) => node.textContent)
  );
  await phone.waitForTimeout(400);
  await phone.screenshot({ path: join(args.shots, "board-phone.png") });
  await phone.close();
  log(`phone details: ${result.phoneRows} rows, buttons ${result.phoneButtons.join(", ")}`);

  // TV: the kiosk view fills 1920×1080 with every tile, no scrolling.
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto(new URL(`${args["board-path"]}/tv`, args.address).href);
  const tvTiles = page.locator("micboard-card .tile");
  await until("the TV board", async () => (await tvTiles.count()) >= 16, 30_000);
  await page.waitForTimeout(1000);
  result.tv = await page.evaluate(() => {
    const card = findCard(document);
    function findCard(root) {
      for (const node of root.querySelectorAll("*")) {
        if (node.tagName.toLowerCase() === "micboard-card") return node;
        if (node.shadowRoot) {
          const found = findCard(node.shadowRoot);
          if (found) return found;
        }
      }
      return null;
    }
    const tiles = [...card.shadowRoot.querySelectorAll(".tile")];
    const inside = tiles.filter((tile) => {
      const box = tile.getBoundingClientRect();
      return box.width > 0 && box.left >= 0 && box.top >= 0 && box.right <= innerWidth + 0.5 && box.bottom <= innerHeight + 0.5;
    });
    const box = card.getBoundingClientRect();
    const performer = card.shadowRoot.querySelector(".tile .performer:not([hidden])");
    const name = card.shadowRoot.querySelector(".tile .names");
    return {
      tiles: tiles.length,
      visible: inside.length,
      card: [box.left, box.top, box.width, box.height],
      scroll: document.scrollingElement.scrollHeight > innerHeight + 1,
      nameFont: name ? parseFloat(getComputedStyle(name).fontSize) : 0,
      performerFont: performer ? parseFloat(getComputedStyle(performer).fontSize) : 0,
      faces: card.shadowRoot.querySelectorAll('.tile[data-face="true"]').length,
    };
  });
  // What is on top at the corners: the card (header and sidebar are covered).
  result.tv.cornersCard = await page.evaluate(() => {
    const hits = [[2, 2], [innerWidth - 2, 2], [2, innerHeight - 2], [innerWidth - 2, innerHeight - 2]].map(([x, y]) => {
      let node = document.elementFromPoint(x, y);
      for (let depth = 0; node && depth < 40; depth += 1) {
        if (node.tagName.toLowerCase() === "micboard-card") return true;
        if (!node.shadowRoot) return false;
        const next = node.shadowRoot.elementFromPoint(x, y);
        if (!next || next === node) return false;
        node = next;
      }
      return false;
    });
    return hits.every(Boolean);
  });
  await page.screenshot({ path: join(args.shots, "board-tv.png") });
  log(`TV: ${JSON.stringify(result.tv)}`);

  if (consoleErrors.length) throw new Error(`browser console errors:\n  ${consoleErrors.join("\n  ")}`);
  result.ok = true;
} catch (err) {
  result.ok = false;
  result.error = err && err.message ? err.message : String(err);
  if (page) {
    await page.screenshot({ path: join(args.shots, "failure.png"), fullPage: true }).catch(() => {});
    result.url = page.url();
  }
} finally {
  clearTimeout(watchdog);
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
result.consoleErrors = consoleErrors;
result.elapsedMs = Date.now() - started;
console.log(`E2E-RESULT ${JSON.stringify(result)}`);
if (!result.ok) {
  console.error(`E2E-FAIL ${result.error}`);
  process.exit(1);
}
