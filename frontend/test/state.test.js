import { describe, expect, it } from "vitest";

import {
  MUTED_COLOUR,
  STATES,
  alertLabel,
  applyEvent,
  batteryBars,
  batteryLevel,
  batteryStatus,
  batteryText,
  formatFrequency,
  formatRuntime,
  normaliseConfig,
  parseSlot,
  resolveSlots,
  rfLost,
  tileState,
} from "../../custom_components/micboard/frontend/micboard-card.js";
import { channel, receiver } from "./fixtures.js";

const rx = receiver("e1");

describe("tileState: every state and colour", () => {
  const cases = [
    ["good", channel(1, { battery_bars: 5, battery_percent: 90 }), "#1e9e48", "GOOD"],
    ["good", channel(1, { battery_bars: 4, battery_percent: 70 }), "#1e9e48", "GOOD"],
    ["low", channel(1, { battery_bars: 3, battery_percent: 60 }), "#f0a202", "LOW"],
    ["low", channel(1, { battery_bars: null, battery_percent: 20 }), "#f0a202", "LOW"],
    ["critical", channel(1, { battery_bars: 2, battery_percent: 35 }), "#d9261c", "CRITICAL"],
    ["critical", channel(1, { battery_bars: null, battery_percent: 10 }), "#d9261c", "CRITICAL"],
    ["critical", channel(1, { battery_bars: 0, battery_percent: null }), "#d9261c", "CRITICAL"],
    ["tx_off", channel(1, { tx_on: false, battery_bars: null }), "#545a61", "TX OFF"],
    ["rf_lost", channel(1, { rf_meter: 0, rf_level_dbm: -110 }), "#a11ab8", "RF LOST"],
    ["interference", channel(1, { interference: true }), "#a11ab8", "INTERFERENCE"],
    ["unknown", channel(1, { tx_on: null, battery_bars: null, battery_percent: null }), "#30353b", "NO DATA"],
    // Devices that report only a coarse audio class (no transmitter, no battery).
    ["good", channel(1, { tx_on: null, battery_bars: null, battery_percent: null, audio_activity: "good" }), "#1e9e48", "AUDIO"],
    ["good", channel(1, { tx_on: null, battery_bars: null, battery_percent: null, audio_activity: "low" }), "#1e9e48", "QUIET"],
    ["good", channel(1, { tx_on: null, battery_bars: null, battery_percent: null, audio_activity: "clipping" }), "#1e9e48", "CLIPPING"],
    ["unknown", channel(1, { tx_on: null, battery_bars: null, battery_percent: null, audio_activity: "bogus" }), "#30353b", "NO DATA"],
  ];
  for (const [state, ch, colour, label] of cases) {
    it(`${state}: ${label} (${JSON.stringify({ bars: ch.battery_bars, pct: ch.battery_percent, activity: ch.audio_activity })})`, () => {
      const result = tileState(ch, rx);
      expect(result.state).toBe(state);
      expect(result.colour).toBe(colour);
      expect(result.label).toBe(label);
      expect(result.colour).toBe(STATES[state].colour);
    });
  }

  it("offline: receiver not connected, dark, OFFLINE", () => {
    const result = tileState(channel(1), receiver("e1", { connected: false }));
    expect(result).toMatchObject({ state: "offline", colour: "#141619", label: "OFFLINE", muted: false });
  });

  it("offline when the receiver is gone", () => {
    expect(tileState(undefined, undefined).state).toBe("offline");
  });

  it("no such channel on a connected receiver: unknown", () => {
    expect(tileState(undefined, rx)).toMatchObject({ state: "unknown", label: "NO DATA" });
  });

  it("a transmitter on without battery data (in-ear transmitter) is good, ON", () => {
    const iem = channel(1, { tx_model: null, battery_bars: null, battery_percent: null, rf_meter: null, antenna: null });
    const result = tileState(iem, receiver("p", { family: "psm1000" }));
    expect(result).toMatchObject({ state: "good", label: "ON", colour: STATES.good.colour });
  });

  it("muted is a flag (outline and badge), not a state", () => {
    const result = tileState(channel(1, { muted: true }), rx);
    expect(result.state).toBe("good");
    expect(result.muted).toBe(true);
    expect(tileState(channel(1, { tx_muted: true, battery_bars: 3 }), rx)).toMatchObject({
      state: "low",
      muted: true,
    });
    expect(MUTED_COLOUR).toMatch(/^#/);
  });

  it("muted does not show on a transmitter that is off or an offline receiver", () => {
    expect(tileState(channel(1, { tx_on: false, muted: true }), rx).muted).toBe(false);
    expect(tileState(channel(1, { muted: true }), receiver("e1", { connected: false })).muted).toBe(false);
  });

  it("precedence: offline > tx off > RF lost > interference > battery", () => {
    const off = receiver("e1", { connected: false });
    expect(tileState(channel(1, { tx_on: false }), off).state).toBe("offline");
    expect(tileState(channel(1, { tx_on: false, interference: true }), rx).state).toBe("tx_off");
    expect(tileState(channel(1, { rf_meter: 0, interference: true }), rx).state).toBe("rf_lost");
    expect(tileState(channel(1, { interference: true, battery_bars: 1 }), rx).state).toBe("interference");
  });

  it("integration alerts raise the state and are listed", () => {
    expect(tileState(channel(1, { alert: "battery_low" }), rx)).toMatchObject({
      state: "low",
      alerts: ["battery_low"],
    });
    expect(tileState(channel(1, { alert: "battery_critical" }), rx).state).toBe("critical");
    expect(tileState(channel(1, { alert: "rf_lost" }), rx).state).toBe("rf_lost");
    expect(tileState(channel(1, { alert: ["interference"] }), rx).state).toBe("interference");
    expect(tileState(channel(1, { alert: null }), rx).alerts).toEqual([]);
    expect(alertLabel("battery_low")).toBe("BATTERY LOW");
  });
});

describe("rfLost", () => {
  it("RF level at or below -95 dBm, meter ~0, or zero quality", () => {
    expect(rfLost(channel(1, { rf_level_dbm: -95 }), rx)).toBe(true);
    expect(rfLost(channel(1, { rf_meter: 1 }), rx)).toBe(true);
    expect(rfLost(channel(1, { quality: 0 }), rx)).toBe(true);
    expect(rfLost(channel(1), rx)).toBe(false);
  });

  it("no active antenna on a family that reports antennas", () => {
    expect(rfLost(channel(1, { antenna: null }), rx)).toBe(true);
    const slxd = receiver("s", { family: "slxd" });
    expect(rfLost(channel(1, { antenna: null }), slxd)).toBe(false);
  });

  it("meters are ignored while metering is off (stale values)", () => {
    const quiet = receiver("e1", { meter_rate_ms: 0 });
    expect(rfLost(channel(1, { rf_meter: 0, antenna: null }), quiet)).toBe(false);
    expect(rfLost(channel(1, { quality: 0 }), quiet)).toBe(true);
  });

  it("only for a transmitter that is on", () => {
    expect(rfLost(channel(1, { tx_on: false, rf_meter: 0 }), rx)).toBe(false);
    expect(rfLost(channel(1, { tx_on: null, rf_meter: 0 }), rx)).toBe(false);
  });
});

describe("battery", () => {
  it("level: percent if reported, else bars × 20 (the entities' rule)", () => {
    expect(batteryLevel(channel(1, { battery_percent: 87, battery_bars: 5 }))).toBe(87);
    expect(batteryLevel(channel(1, { battery_percent: null, battery_bars: 3 }))).toBe(60);
    expect(batteryLevel(channel(1, { battery_percent: null, battery_bars: null }))).toBe(null);
    expect(batteryLevel(channel(1, { tx_on: false }))).toBe(null);
  });

  it("bars: reported, else from the level, clamped to 0–5", () => {
    expect(batteryBars(channel(1, { battery_bars: 4 }))).toBe(4);
    expect(batteryBars(channel(1, { battery_bars: null, battery_percent: 41 }))).toBe(3);
    expect(batteryBars(channel(1, { battery_bars: null, battery_percent: 100 }))).toBe(5);
    expect(batteryBars(channel(1, { battery_bars: 9 }))).toBe(5);
    expect(batteryBars(channel(1, { battery_bars: null, battery_percent: null }))).toBe(null);
    expect(batteryBars(channel(1, { tx_on: false }))).toBe(null);
  });

  it("status thresholds: ≤ 10 % critical, ≤ 20 % low, bars 0–2 / 3 / 4–5", () => {
    const at = (bars, percent) =>
      batteryStatus(channel(1, { battery_bars: bars, battery_percent: percent }), "thresholds");
    expect(at(null, 100)).toBe("good");
    expect(at(null, 21)).toBe("good");
    expect(at(null, 20)).toBe("low");
    expect(at(null, 11)).toBe("low");
    expect(at(null, 10)).toBe("critical");
    expect(at(5, null)).toBe("good");
    expect(at(4, null)).toBe("good");
    expect(at(3, null)).toBe("low");
    expect(at(2, null)).toBe("critical");
    expect(at(0, null)).toBe("critical");
    expect(at(null, null)).toBe(null);
  });

  it("with threshold colours the integration's battery_state (its thresholds) wins over the bar rule", () => {
    const with_ = (extra) =>
      batteryStatus(channel(1, { battery_bars: 2, battery_percent: null, ...extra }), "thresholds");
    expect(with_({ battery_state: "good" })).toBe("good");
    expect(with_({ battery_state: "low" })).toBe("low");
    expect(with_({ battery_state: "critical" })).toBe("critical");
    expect(with_({ battery_state: "good", alert: ["battery_low"] })).toBe("low");
    expect(with_({ battery_state: "low", alert: ["battery_critical"] })).toBe("critical");
    expect(with_({ battery_state: "nonsense" })).toBe("critical");
    expect(batteryStatus(channel(1, { tx_on: false, battery_state: "good" }))).toBe(null);
  });

  it("runtime as h:mm", () => {
    expect(formatRuntime(539)).toBe("8:59");
    expect(formatRuntime(60)).toBe("1:00");
    expect(formatRuntime(5)).toBe("0:05");
    expect(formatRuntime(0)).toBe("0:00");
    expect(formatRuntime(1500)).toBe("25:00");
    expect(formatRuntime(null)).toBe(null);
    expect(formatRuntime(undefined)).toBe(null);
    expect(formatRuntime(-1)).toBe(null);
  });

  it("battery text: percent and runtime when known", () => {
    expect(batteryText(channel(1))).toEqual({ percent: "90%", runtime: "8:59" });
    expect(batteryText(channel(1, { battery_percent: null, battery_bars: 4, battery_runtime_min: null }))).toEqual({
      percent: "80%",
      runtime: null,
    });
    expect(
      batteryText(channel(1, { battery_runtime_min: null, battery_runtime_status: "calculating" }))
    ).toEqual({ percent: "90%", runtime: "CALC" });
    expect(batteryText(channel(1, { tx_on: false }))).toEqual({ percent: null, runtime: null });
  });

  it("frequency with three decimals", () => {
    expect(formatFrequency(470.625)).toBe("470.625");
    expect(formatFrequency(472)).toBe("472.000");
    expect(formatFrequency(null)).toBe(null);
  });
});

describe("slots and events", () => {
  const receivers = () =>
    new Map([
      ["a", receiver("a", { area_id: "stage" })],
      ["b", receiver("b", {}, [channel(1, { area_id: "stage" }), channel(2), channel(3)])],
    ]);

  it("all channels in snapshot order", () => {
    expect(resolveSlots({ filter: "all" }, receivers()).map((slot) => slot.key)).toEqual([
      "a:1",
      "a:2",
      "b:1",
      "b:2",
      "b:3",
    ]);
  });

  it("one receiver", () => {
    expect(resolveSlots({ filter: "receiver", receiver: "b" }, receivers()).map((s) => s.key)).toEqual([
      "b:1",
      "b:2",
      "b:3",
    ]);
  });

  it("one area: the channel's own, else its receiver's", () => {
    expect(resolveSlots({ filter: "area", area: "stage" }, receivers()).map((s) => s.key)).toEqual([
      "a:1",
      "a:2",
      "b:1",
    ]);
  });

  it("explicit list with spacers, kept in order", () => {
    const slots = resolveSlots({ filter: "list", slots: ["b:2", null, "a:1", "", "zz:9"] }, receivers());
    expect(slots.map((slot) => slot && slot.key)).toEqual(["b:2", null, "a:1", null, "zz:9"]);
    expect(parseSlot("01ABC:3")).toEqual({ entryId: "01ABC", channel: 3 });
    expect(parseSlot("nonsense")).toBe(null);
    expect(parseSlot("x:0")).toBe(null);
  });

  it("offline slots follow an explicit list too", () => {
    const slots = resolveSlots(
      { filter: "list", slots: ["b:1"], offline: [{ id: "PSM9", name: "Spare IEM" }] },
      receivers(),
    );
    expect(slots.map((slot) => slot && slot.key)).toEqual(["b:1", "offline:1"]);
  });

  it("config checks", () => {
    expect(normaliseConfig({ type: "custom:micboard-card" })).toMatchObject({
      filter: "all",
      size: "desk",
      show_meters: true,
      slots: [],
    });
    expect(normaliseConfig({ slots: ["a:1", "junk", null] }).slots).toEqual(["a:1", null, null]);
    expect(() => normaliseConfig({ size: "huge" })).toThrow(/size/);
    expect(() => normaliseConfig({ filter: "some" })).toThrow(/filter/);
    expect(() => normaliseConfig({ slots: "a:1" })).toThrow(/slots/);
    expect(() => normaliseConfig(null)).toThrow();
  });

  it("applyEvent merges channel, meter and receiver events", () => {
    const map = new Map();
    expect(applyEvent(map, { type: "snapshot", receivers: [receiver("a")] })).toEqual({ structure: true });
    expect(applyEvent(map, { type: "meter", entry_id: "a", channel: 2, data: { rf_meter: 12 } })).toEqual({
      entryId: "a",
      channel: 2,
      meter: true,
    });
    expect(map.get("a").channels[1].rf_meter).toBe(12);
    applyEvent(map, { type: "channel", entry_id: "a", channel: 1, data: { tx_on: false } });
    expect(map.get("a").channels[0].tx_on).toBe(false);
    expect(applyEvent(map, { type: "receiver", entry_id: "a", data: { connected: false } })).toEqual({
      entryId: "a",
    });
    expect(map.get("a").connected).toBe(false);
    applyEvent(map, { type: "receiver_snapshot", receiver: receiver("a", { connected: true }) });
    expect(map.get("a").connected).toBe(true);
    expect(applyEvent(map, { type: "channel", entry_id: "nope", channel: 1, data: {} })).toBe(null);
    expect(applyEvent(map, { type: "mystery" })).toBe(null);
  });
});
