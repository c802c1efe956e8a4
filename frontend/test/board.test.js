// The board's show features (issue 12): Micboard parity and beyond.
import { afterEach, describe, expect, it, vi } from "vitest";

import {
  BatteryMemory,
  LAST_KNOWN_MS,
  PEAK_MS,
  addSample,
  batteryStatus,
  chartPoints,
  clipping,
  formatAge,
  formatOffset,
  groupKey,
  lastsText,
  normaliseConfig,
  offlineChannel,
  personPicture,
  powerLocked,
  qualityDots,
  resolveSlots,
  runoutAt,
  showEnd,
  splitName,
  stereoMeters,
  tileState,
  tvColumns,
} from "../../custom_components/micboard/frontend/micboard-card.js";
import { channel, fakeHass, flush, receiver } from "./fixtures.js";

const FACE = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E";

function snapshot() {
  return {
    type: "snapshot",
    receivers: [
      receiver("rx1", { name: "ULXD4D" }, [
        channel(1, { name: "HH01 Fatai", performer: "Fatai Adeyemi-Wellington", device_id: "dev-1" }),
        channel(2, { battery_bars: 2, battery_percent: null, battery_state: "good", battery_runtime_min: null }),
      ]),
      receiver("rx2", { name: "AD4D", family: "axient_digital" }, [
        channel(1, { quality: 3, tx_offset_db: 6, tx_power_lock: "ON" }),
      ]),
      receiver("iem", { name: "P10T", family: "psm1000", model: "P10T" }, [
        channel(1, { battery_bars: null, battery_percent: null, rf_meter: null, rf_level_dbm: null,
          audio_meter_left: 40, audio_meter_right: 70 }),
      ]),
    ],
  };
}

function richHass() {
  const fake = fakeHass();
  fake.calls = [];
  Object.assign(fake.hass, {
    states: {
      "person.fatai": { attributes: { friendly_name: "Fatai Adeyemi-Wellington", entity_picture: FACE } },
    },
    entities: {
      "sensor.hh01_rf": { entity_id: "sensor.hh01_rf", device_id: "dev-1", platform: "micboard", translation_key: "rf_level" },
      "sensor.hh01_audio": { entity_id: "sensor.hh01_audio", device_id: "dev-1", platform: "micboard", translation_key: "audio_level" },
      "switch.hh01_alerts": { entity_id: "switch.hh01_alerts", device_id: "dev-1", platform: "micboard", translation_key: "alerts" },
      "button.hh01_identify": { entity_id: "button.hh01_identify", device_id: "dev-1", platform: "micboard", translation_key: "identify" },
    },
    callWS: async (message) => {
      fake.calls.push(message);
      const now = Date.now() / 1000;
      return {
        "sensor.hh01_rf": [{ s: "-50", lu: now - 40 }, { s: "-60", lu: now - 20 }],
        "sensor.hh01_audio": [{ s: "-20", lu: now - 30 }],
      };
    },
    callService: async (domain, service, data) => fake.calls.push({ domain, service, data }),
  });
  return fake;
}

async function mount(config = {}, fake = richHass()) {
  const card = document.createElement("micboard-card");
  card.setConfig({ type: "custom:micboard-card", title: "Show", ...config });
  document.body.append(card);
  card.hass = fake.hass;
  await flush();
  fake.deliver(snapshot());
  await flush();
  return { card, fake };
}

const tile = (card, key) => card.shadowRoot.querySelector(`.tile[data-key="${key}"]`);
const keys = (card) => [...card.shadowRoot.querySelectorAll(".grid > *")].map((n) => n.dataset.key || "-");
const press = (key) => window.dispatchEvent(new KeyboardEvent("keydown", { key }));

afterEach(() => {
  document.body.replaceChildren();
  vi.useRealTimers();
});

describe("1. last known battery", () => {
  it("is remembered while on and kept for 30 minutes after the transmitter went off", () => {
    const memory = new BatteryMemory();
    memory.note("a:1", channel(1, { battery_bars: 4, battery_percent: 70 }), 1000);
    memory.note("a:1", channel(1, { tx_on: false, battery_bars: null }), 2000);
    expect(memory.get("a:1", 2000 + 60000)).toMatchObject({ bars: 4, percent: 70, status: "good", at: 1000 });
    expect(memory.get("a:1", 1000 + LAST_KNOWN_MS + 1)).toBe(null);
    expect(formatAge(30 * 1000)).toBe("now");
    expect(formatAge(12 * 60 * 1000)).toBe("12 min ago");
    expect(formatAge(65 * 60 * 1000)).toBe("1 h 5 min ago");
  });

  it("shows striped last bars with their age on a tile that went tx off", async () => {
    const { card, fake } = await mount();
    fake.deliver({ type: "channel", entry_id: "rx1", channel: 2, data: { tx_on: false } });
    const off = tile(card, "rx1:2");
    expect(off.dataset.state).toBe("tx_off");
    expect(off.classList.contains("previous")).toBe(true);
    expect(off.dataset.lastBattery).toBe("critical");
    expect(off.dataset.battery).toBe("2");
    expect(off.querySelector(".percent").textContent).toBe("2/5");
    expect(off.querySelector(".runtime").textContent).toBe("now");
  });
});

describe("2. battery colours by bars", () => {
  it("default: 2 bars are critical even when the thresholds say good; 3 replace", () => {
    const two = channel(1, { battery_bars: 2, battery_percent: null, battery_state: "good" });
    expect(batteryStatus(two)).toBe("critical");
    expect(tileState(two, receiver("r")).state).toBe("critical");
    expect(batteryStatus(channel(1, { battery_bars: 3, battery_state: "good" }))).toBe("low");
    expect(batteryStatus(channel(1, { battery_bars: 4, battery_state: "good" }))).toBe("good");
    expect(batteryStatus(two, "thresholds")).toBe("good");
    expect(tileState(two, receiver("r"), "thresholds").state).toBe("good");
    expect(normaliseConfig({}).battery_colours).toBe("bars");
    expect(() => normaliseConfig({ battery_colours: "rainbow" })).toThrow(/battery_colours/);
  });

  it("the card option switches a tile's colour", async () => {
    const bars = await mount();
    expect(tile(bars.card, "rx1:2").dataset.state).toBe("critical");
    document.body.replaceChildren();
    const thresholds = await mount({ battery_colours: "thresholds" });
    expect(tile(thresholds.card, "rx1:2").dataset.state).toBe("good");
  });
});

describe("3. audio peak flash", () => {
  it("detects a clip and pulses the tile for a few seconds", async () => {
    expect(clipping(channel(1, { audio_peak_dbfs: -0.5 }))).toBe(true);
    expect(clipping(channel(1, { audio_meter: 99 }))).toBe(true);
    expect(clipping(channel(1, { audio_meter: 60, audio_peak_dbfs: -12 }))).toBe(false);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const { card, fake } = await mount();
    const first = tile(card, "rx1:1");
    expect(first.classList.contains("peak")).toBe(false);
    fake.deliver({ type: "meter", entry_id: "rx1", channel: 1, data: { audio_peak_dbfs: 0, audio_meter: 100 } });
    expect(first.classList.contains("peak")).toBe(true);
    fake.deliver({ type: "meter", entry_id: "rx1", channel: 1, data: { audio_peak_dbfs: -20, audio_meter: 50 } });
    expect(first.classList.contains("peak")).toBe(true);
    vi.advanceTimersByTime(PEAK_MS + 10);
    expect(first.classList.contains("peak")).toBe(false);
  });
});

describe("4. scrolling RF and audio chart", () => {
  it("keeps the last minute and draws it right to left", () => {
    const samples = [];
    addSample(samples, 0, 50, 20);
    addSample(samples, 30000, 60, 40);
    addSample(samples, 70000, 80, 60);
    expect(samples.map((s) => s.t)).toEqual([30000, 70000]);
    expect(chartPoints(samples, "rf", 70000)).toBe("33.3,12.0 100.0,6.0");
  });

  it("starts from Home Assistant's history and grows with meter events", async () => {
    const { card, fake } = await mount();
    await flush();
    const request = fake.calls.find((call) => call.type === "history/history_during_period");
    expect(request.entity_ids.sort()).toEqual(["sensor.hh01_audio", "sensor.hh01_rf"]);
    const first = tile(card, "rx1:1");
    const seeded = Number(first.dataset.chartPoints);
    expect(seeded).toBeGreaterThanOrEqual(2);
    fake.deliver({ type: "meter", entry_id: "rx1", channel: 1, data: { rf_meter: 40 } });
    expect(Number(first.dataset.chartPoints)).toBe(seeded + 1);
    expect(first.querySelector("polyline.rfline").getAttribute("points").split(" ")).toHaveLength(seeded + 1);
  });
});

describe("5. link quality, offset, power lock, left/right", () => {
  it("pure helpers", () => {
    expect(qualityDots(channel(1, { quality: 3 }))).toEqual({ lit: 3, total: 5 });
    expect(qualityDots(channel(1, { quality: 255 }))).toBe(null);
    expect(formatOffset(6)).toBe("+6 dB");
    expect(formatOffset(-3)).toBe("-3 dB");
    expect(formatOffset(null)).toBe(null);
    expect(powerLocked(channel(1, { tx_power_lock: "ON" }))).toBe(true);
    expect(powerLocked(channel(1))).toBe(null);
    expect(stereoMeters(channel(1, { audio_meter_left: 40, audio_meter_right: 70 }))).toEqual([40, 70]);
    expect(stereoMeters(channel(1))).toBe(null);
  });

  it("on the tiles", async () => {
    const { card } = await mount();
    const ad = tile(card, "rx2:1");
    expect(ad.dataset.quality).toBe("3");
    expect(ad.querySelectorAll(".dots i.on")).toHaveLength(3);
    expect(ad.querySelector(".offset").textContent).toBe("+6 dB");
    expect(ad.querySelector(".chip.lock").hidden).toBe(false);
    expect(tile(card, "rx1:1").querySelector(".chip.lock").hidden).toBe(true);
    const iem = tile(card, "iem:1");
    const [left, right] = iem.querySelectorAll(".meter.stereo");
    expect(left.hidden).toBe(false);
    expect(left.querySelector(".cover").style.width).toBe("60%");
    expect(right.querySelector(".cover").style.width).toBe("30%");
    expect(iem.querySelector(".meter.audio:not(.stereo)").hidden).toBe(true);
  });
});

describe("6. offline slots", () => {
  it("are configured on the card, shown with ID, name and performer, and assignable", async () => {
    const config = { offline: [{ id: "IEM 3", name: "Drums", performer: "Kofi" }] };
    expect(offlineChannel(config, 1)).toMatchObject({ name: "IEM 3 Drums", performer: "Kofi", offline_slot: true });
    expect(tileState(offlineChannel(config, 1), null).state).toBe("unassigned");
    const { card } = await mount({ ...config, groups: [{ name: "Band", slots: ["offline:1", null, "rx1:1"] }] });
    const slot = tile(card, "offline:1");
    expect(slot.dataset.state).toBe("unassigned");
    expect(slot.querySelector(".id").textContent).toBe("IEM 3");
    expect(slot.querySelector(".name").textContent).toBe("Drums");
    expect(slot.querySelector(".performer").textContent).toBe("Kofi");
    expect(slot.querySelector(".bars").hidden).toBe(true);
    press("1");
    expect(keys(card)).toEqual(["offline:1", "-", "rx1:1"]);
  });
});

describe("7. ID, name and performer", () => {
  it("splits the channel name as Micboard does", () => {
    expect(splitName("HH01 Fatai")).toEqual({ id: "HH01", name: "Fatai" });
    expect(splitName("BP-3 Pastor Dave")).toEqual({ id: "BP-3", name: "Pastor Dave" });
    expect(splitName("IEM 2 Drums")).toEqual({ id: "IEM 2", name: "Drums" });
    expect(splitName("Lectern")).toEqual({ id: null, name: "Lectern" });
    expect(splitName("BV 1")).toEqual({ id: null, name: "BV 1" });
    expect(splitName("HH01")).toEqual({ id: null, name: "HH01" });
  });

  it("shows the whole performer, never cut", async () => {
    const { card } = await mount();
    const first = tile(card, "rx1:1");
    expect(first.querySelector(".id").textContent).toBe("HH01");
    expect(first.querySelector(".performer").textContent).toBe("Fatai Adeyemi-Wellington");
    const css = card.shadowRoot.querySelector("style").textContent;
    const rule = /\n\.performer \{[^}]*\}/.exec(css)[0];
    expect(rule).not.toMatch(/ellipsis|nowrap/);
  });
});

describe("8. groups", () => {
  const groups = [
    { name: "Band", slots: ["rx1:2", null, "rx2:1"] },
    { name: "Speakers", slots: ["rx1:1"] },
  ];

  it("switch by key 1–9, 0 for all, and by a tap on the tab", async () => {
    expect(groupKey("3")).toBe(3);
    expect(groupKey("0")).toBe(0);
    expect(groupKey("a")).toBe(null);
    expect(resolveSlots({ groups }, new Map(), 1).map((s) => (s ? s.key : null))).toEqual(["rx1:2", null, "rx2:1"]);
    const { card } = await mount({ groups });
    expect(keys(card)).toEqual(["rx1:1", "rx1:2", "rx2:1", "iem:1"]);
    press("1");
    expect(card.group).toBe(1);
    expect(keys(card)).toEqual(["rx1:2", "-", "rx2:1"]);
    press("9"); // no such group: stays
    expect(card.group).toBe(1);
    card.shadowRoot.querySelector('.tab[data-group="2"]').click();
    expect(keys(card)).toEqual(["rx1:1"]);
    expect(card.shadowRoot.querySelector('.tab[data-group="2"]').getAttribute("aria-pressed")).toBe("true");
    press("0");
    expect(keys(card)).toHaveLength(4);
  });

  it("keys typed into a text field do not switch", async () => {
    const { card } = await mount({ groups });
    const input = document.createElement("input");
    document.body.append(input);
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "1", bubbles: true, composed: true }));
    expect(card.group).toBe(0);
  });

  it("are edited with the mouse in the card editor", async () => {
    const fake = richHass();
    const editor = document.createElement("micboard-card-editor");
    editor.setConfig({ type: "custom:micboard-card" });
    editor.hass = fake.hass;
    document.body.append(editor);
    await flush();
    fake.deliver(snapshot());
    const configs = [];
    editor.addEventListener("config-changed", (event) => configs.push(event.detail.config));
    const click = (label) => editor.shadowRoot.querySelector(`button[aria-label="${label}"]`).click();
    click("Add group");
    expect(configs.at(-1).groups).toEqual([{ name: "Group 1", slots: [] }]);
    click("Add channel");
    click("Add spacer");
    expect(configs.at(-1).groups[0].slots).toEqual(["rx1:1", null]);
    const name = editor.shadowRoot.querySelector('input[name="group-0-name"]');
    name.value = "Band";
    name.dispatchEvent(new Event("change"));
    expect(configs.at(-1).groups[0].name).toBe("Band");
    click("Add offline slot");
    const id = editor.shadowRoot.querySelector('input[name="offline-0-id"]');
    id.value = "PSM9";
    id.dispatchEvent(new Event("change"));
    expect(configs.at(-1).offline).toEqual([{ id: "PSM9", name: "" }]);
    const options = [...editor.shadowRoot.querySelectorAll('select[name="group-0-slot-0"] option')].map((o) => o.value);
    expect(options).toContain("offline:1");
  });
});

describe("9. TV mode", () => {
  it("fills 1920×1080 with 16 tiles in 4 × 4", () => {
    expect(tvColumns(16, 1920, 1080)).toBe(4);
    expect(tvColumns(15, 1920, 1080)).toBe(4);
    expect(tvColumns(4, 1920, 1080)).toBe(2);
    expect(tvColumns(1, 1920, 1080)).toBe(1);
  });

  it("sets the grid, covers the window in kiosk mode and goes fullscreen on f", async () => {
    const { card } = await mount({ size: "tv", kiosk: true });
    const board = card.shadowRoot.querySelector(".board");
    expect(board.style.getPropertyValue("--cols")).not.toBe("");
    expect(card.classList.contains("kiosk")).toBe(true);
    card.requestFullscreen = vi.fn(async () => {});
    press("f");
    expect(card.requestFullscreen).toHaveBeenCalledTimes(1);
    card.shadowRoot.querySelector("button.full").click();
    expect(card.requestFullscreen).toHaveBeenCalledTimes(2);
  });
});

describe("10. faces", () => {
  it("the performer's Home Assistant person picture on the tile", async () => {
    const hass = richHass().hass;
    expect(personPicture(hass, "fatai adeyemi-wellington")).toBe(FACE);
    expect(personPicture(hass, "Nobody")).toBe(null);
    const { card } = await mount({ size: "tv" });
    const first = tile(card, "rx1:1");
    expect(first.dataset.face).toBe("true");
    expect(first.style.getPropertyValue("--face")).toContain("data:image/svg+xml");
    expect(tile(card, "rx1:2").dataset.face).toBe("false");
  });
});

describe("11. will it last the show", () => {
  it("runs out from the integration's figure, else the runtime; amber before the show ends", () => {
    const now = new Date(2026, 10, 30, 19, 0).getTime();
    expect(runoutAt(channel(1, { runout_at: "2026-11-30T20:15:00Z" }), now).toISOString()).toBe(
      "2026-11-30T20:15:00.000Z"
    );
    expect(runoutAt(channel(1, { battery_runtime_min: 90 }), now).getTime()).toBe(now + 90 * 60000);
    expect(runoutAt(channel(1, { tx_on: false }), now)).toBe(null);
    expect(runoutAt(channel(1, { battery_runtime_min: null }), now)).toBe(null);
    const end = showEnd("21:30", now);
    expect(end.getHours()).toBe(21);
    expect(showEnd("25:00", now)).toBe(null);
    expect(lastsText(channel(1, { battery_runtime_min: 90 }), end, now)).toEqual({ text: "OUT 20:30", short: true });
    expect(lastsText(channel(1, { battery_runtime_min: 200 }), end, now)).toEqual({ text: "OUT 22:20", short: false });
  });

  it("turns a tile amber that will not last until the show ends", async () => {
    const { card } = await mount({ show_end: "23:59" });
    const first = tile(card, "rx1:1"); // 539 min left: past midnight
    expect(first.querySelector(".lasts").textContent).toMatch(/^OUT \d\d:\d\d$/);
    const fake2 = richHass();
    document.body.replaceChildren();
    const soon = new Date(Date.now() + 60 * 60000);
    const { card: other } = await mount({ show_end: `${soon.getHours()}:${String(soon.getMinutes()).padStart(2, "0")}` }, fake2);
    fake2.deliver({ type: "channel", entry_id: "rx1", channel: 1, data: { battery_runtime_min: 20 } });
    expect(tile(other, "rx1:1").classList.contains("short")).toBe(true);
    expect(tile(other, "rx2:1").classList.contains("short")).toBe(false);
    expect(() => normaliseConfig({ show_end: "late" })).toThrow(/show_end/);
  });
});

describe("12. phone: details dialog", () => {
  it("a tap opens all values, the assignment, alerts on/off and identify", async () => {
    const { card, fake } = await mount();
    tile(card, "rx1:1").querySelector(".performer").click();
    const dialog = card.shadowRoot.querySelector(".dialog");
    expect(dialog.hidden).toBe(false);
    const rows = Object.fromEntries(
      [...dialog.querySelectorAll(".drow")].map((row) => [row.children[0].textContent, row.children[1].textContent])
    );
    expect(rows).toMatchObject({ Performer: "Fatai Adeyemi-Wellington", Alerts: "On", Frequency: "470.625 MHz" });
    dialog.querySelector('button[aria-label="Alerts on/off"]').click();
    dialog.querySelector('button[aria-label="Identify"]').click();
    expect(fake.calls.filter((call) => call.domain)).toEqual([
      { domain: "switch", service: "turn_off", data: { entity_id: "switch.hh01_alerts" } },
      { domain: "button", service: "press", data: { entity_id: "button.hh01_identify" } },
    ]);
    const info = vi.fn();
    card.addEventListener("hass-more-info", (event) => info(event.detail));
    dialog.querySelector('button[aria-label="More info"]').click();
    expect(info).toHaveBeenCalledWith({ entityId: "sensor.hh01_rf" });
    fake.deliver({ type: "channel", entry_id: "rx1", channel: 1, data: { alerts_enabled: false } });
    expect([...dialog.querySelectorAll(".drow dd")].map((n) => n.textContent)).toContain("Off");
    press("Escape");
    expect(dialog.hidden).toBe(true);
  });
});
