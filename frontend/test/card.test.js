import { afterEach, describe, expect, it, vi } from "vitest";

import {
  RESYNC_SECONDS,
  RETRY_SECONDS,
  STATES,
} from "../../custom_components/micboard/frontend/micboard-card.js";
import { channel, fakeHass, flush, receiver } from "./fixtures.js";

const SNAPSHOT = {
  type: "snapshot",
  receivers: [
    receiver("rx1", { name: "ULXD4D", model: "ULXD4D" }, [
      channel(1, { name: "HH01 Lead", performer: "Fatai" }),
      channel(2, { battery_bars: 3, battery_percent: 60, battery_runtime_min: 95 }),
    ]),
    receiver("rx2", { name: "QLXD4", model: "QLXD4", family: "qlxd", area_id: "stage" }, [
      channel(1, { tx_model: "QLXD2", frequency_mhz: 518.4 }),
    ]),
  ],
};

function snapshot() {
  return structuredClone(SNAPSHOT);
}

async function mount(config = {}, fake = fakeHass()) {
  const card = document.createElement("micboard-card");
  card.setConfig({ type: "custom:micboard-card", title: "Stage", ...config });
  document.body.append(card);
  card.hass = fake.hass;
  await flush();
  return { card, fake };
}

const tiles = (card) => [...card.shadowRoot.querySelectorAll(".tile")];
const tile = (card, key) => card.shadowRoot.querySelector(`.tile[data-key="${key}"]`);
const text = (node, selector) => node.querySelector(selector).textContent;

afterEach(() => {
  document.body.replaceChildren();
  vi.useRealTimers();
});

describe("micboard-card with a fake hass", () => {
  it("registers itself for the card picker, with an editor", () => {
    expect(customElements.get("micboard-card")).toBeTruthy();
    expect(customElements.get("micboard-card-editor")).toBeTruthy();
    const entry = window.customCards.find((card) => card.type === "micboard-card");
    expect(entry).toMatchObject({ name: "Micboard", preview: true });
    expect(entry.description).toBeTruthy();
    const Card = customElements.get("micboard-card");
    expect(Card.getConfigElement().tagName.toLowerCase()).toBe("micboard-card-editor");
    expect(Card.getStubConfig()).toMatchObject({ filter: "all", size: "desk", show_meters: true });
  });

  it("defines itself again when the frontend swaps in a new element registry", async () => {
    // Home Assistant's scoped-registry polyfill replaces window.customElements;
    // definitions made before that would be invisible to the dashboard.
    const native = Object.getOwnPropertyDescriptor(window, "customElements");
    const defined = new Map();
    const polyfilled = {
      get: (tag) => defined.get(tag),
      define: (tag, element) => defined.set(tag, element),
    };
    Object.defineProperty(window, "customElements", { value: polyfilled, configurable: true });
    try {
      await new Promise((resolve) => setTimeout(resolve, 350));
      expect([...defined.keys()].sort()).toEqual(["micboard-card", "micboard-card-editor"]);
    } finally {
      if (native) Object.defineProperty(window, "customElements", native);
      else delete window.customElements;
    }
    expect(window.customElements.get("micboard-card")).toBeTruthy();
  });

  it("subscribes once, renders a snapshot and updates meters in place", async () => {
    const { card, fake } = await mount();
    expect(fake.subscriptions).toHaveLength(1);
    expect(fake.subscriptions[0].message).toEqual({ type: "micboard/subscribe" });
    card.hass = { ...fake.hass }; // a new hass object, same connection: no second subscription
    await flush();
    expect(fake.subscriptions).toHaveLength(1);
    expect(card.shadowRoot.querySelector(".message").textContent).toMatch(/Loading/);

    fake.deliver(snapshot());
    expect(tiles(card)).toHaveLength(3);
    expect(card.shadowRoot.querySelector(".title").textContent).toBe("Stage");
    expect(card.shadowRoot.querySelector(".status").dataset.status).toBe("live");

    const first = tile(card, "rx1:1");
    expect(text(first, ".slot")).toBe("1");
    expect(text(first, ".id")).toBe("HH01");
    expect(text(first, ".name")).toBe("Lead");
    expect(text(first, ".performer")).toBe("Fatai");
    expect(first.querySelector(".performer").hidden).toBe(false);
    expect(text(first, ".percent")).toBe("90%");
    expect(text(first, ".runtime")).toBe("8:59");
    expect(text(first, ".freq")).toBe("470.625 MHz");
    expect(text(first, ".txmodel")).toBe("ULXD2");
    expect(text(first, ".where")).toBe("ULXD4D · CH 1");
    expect(first.querySelectorAll(".bars i.on")).toHaveLength(5);
    expect(first.dataset.state).toBe("good");
    expect(first.style.getPropertyValue("--bg")).toBe(STATES.good.colour);
    expect(first.dataset.rf).toBe("70");
    expect(first.querySelector(".rf .fill").style.width).toBe("70%");
    expect(first.querySelector(".ant b:first-child").classList.contains("on")).toBe(true);

    const second = tile(card, "rx1:2");
    expect(second.querySelector(".performer").hidden).toBe(true);
    expect(second.dataset.state).toBe("low");
    expect(text(second, ".runtime")).toBe("1:35");
    expect(second.querySelectorAll(".bars i.on")).toHaveLength(3);
    expect(text(tile(card, "rx2:1"), ".slot")).toBe("3");
    expect(text(tile(card, "rx2:1"), ".freq")).toBe("518.400 MHz");

    // A meter event touches only that tile's meter elements.
    const nameNode = first.querySelector(".name");
    const otherBefore = tile(card, "rx2:1").outerHTML;
    fake.deliver({
      type: "meter",
      entry_id: "rx1",
      channel: 1,
      data: { rf_meter: 33, audio_meter: 81, antenna: "B" },
    });
    expect(tile(card, "rx1:1")).toBe(first);
    expect(first.querySelector(".name")).toBe(nameNode);
    expect(first.dataset.rf).toBe("33");
    expect(first.dataset.audio).toBe("81");
    expect(first.querySelector(".rf .fill").style.width).toBe("33%");
    expect(first.querySelector(".audio .cover").style.width).toBe("19%");
    expect(first.querySelector(".ant b:first-child").classList.contains("on")).toBe(false);
    expect(first.querySelector(".ant b:last-child").classList.contains("on")).toBe(true);
    expect(tile(card, "rx2:1").outerHTML).toBe(otherBefore);

    // RF dropping to nothing turns the tile purple straight from the meter event.
    fake.deliver({ type: "meter", entry_id: "rx1", channel: 1, data: { rf_meter: 0, antenna: null } });
    expect(first.dataset.state).toBe("rf_lost");
    expect(text(first, ".chip.state")).toBe("RF LOST");
  });

  it("shows transmitter off, mute, alerts and a receiver going offline", async () => {
    const { card, fake } = await mount();
    fake.deliver(snapshot());
    const first = tile(card, "rx1:1");

    fake.deliver({ type: "channel", entry_id: "rx1", channel: 1, data: { tx_on: false } });
    expect(tile(card, "rx1:1")).toBe(first);
    expect(first.dataset.state).toBe("tx_off");
    expect(first.style.getPropertyValue("--bg")).toBe(STATES.tx_off.colour);
    expect(text(first, ".chip.state")).toBe("TX OFF");
    // The last known battery stays, marked as such (display memory only).
    expect(text(first, ".percent")).toBe("90%");
    expect(first.dataset.lastBattery).toBe("good");
    expect(first.dataset.rf).toBe("0");

    fake.deliver({ type: "channel", entry_id: "rx1", channel: 1, data: { tx_on: true } });
    fake.deliver({ type: "channel", entry_id: "rx1", channel: 1, data: { muted: true } });
    expect(first.dataset.state).toBe("good");
    expect(first.classList.contains("muted")).toBe(true);
    expect(first.querySelector(".chip.muted").hidden).toBe(false);

    fake.deliver({
      type: "channel",
      entry_id: "rx1",
      channel: 2,
      data: { alert: "battery_critical", alerts_enabled: false, performer: "Ana" },
    });
    const second = tile(card, "rx1:2");
    expect(second.dataset.state).toBe("critical");
    expect(text(second, ".chip.state")).toBe("CRITICAL");
    // The alert says what the colour says: no second badge.
    expect(second.querySelector(".chip.alert").hidden).toBe(true);
    expect(second.querySelector(".chip.quiet").hidden).toBe(false);
    expect(text(second, ".performer")).toBe("Ana");
    // An alert that adds something gets its badge.
    fake.deliver({ type: "channel", entry_id: "rx1", channel: 2, data: { interference: true } });
    expect(second.dataset.state).toBe("interference");
    expect(second.querySelector(".chip.alert").hidden).toBe(false);
    expect(text(second, ".chip.alert")).toBe("BATTERY CRITICAL");

    fake.deliver({ type: "receiver", entry_id: "rx1", data: { connected: false } });
    for (const key of ["rx1:1", "rx1:2"]) {
      expect(tile(card, key).dataset.state).toBe("offline");
      expect(tile(card, key).style.getPropertyValue("--bg")).toBe(STATES.offline.colour);
      expect(text(tile(card, key), ".chip.state")).toBe("OFFLINE");
      // Stale readings are not shown.
      expect(text(tile(card, key), ".percent")).toBe("");
      expect(tile(card, key).dataset.rf).toBe("0");
    }
    expect(tile(card, "rx2:1").dataset.state).toBe("good");

    const back = snapshot().receivers[0];
    fake.deliver({ type: "receiver_snapshot", receiver: back });
    expect(tile(card, "rx1:1").dataset.state).toBe("good");
  });

  it("filters by receiver and area, and lays out an explicit list with spacers", async () => {
    const fake = fakeHass();
    const one = await mount({ filter: "receiver", receiver: "rx2" }, fake);
    const area = await mount({ filter: "area", area: "stage" }, fake);
    const list = await mount({ filter: "list", slots: ["rx2:1", null, "rx1:1"], show_meters: false, size: "tv" }, fake);
    expect(fake.subscriptions).toHaveLength(1); // one stream shared by every card
    fake.deliver(snapshot());
    expect(tiles(one.card).map((node) => node.dataset.key)).toEqual(["rx2:1"]);
    expect(tiles(area.card).map((node) => node.dataset.key)).toEqual(["rx2:1"]);
    const grid = list.card.shadowRoot.querySelector(".grid");
    expect([...grid.children].map((node) => node.dataset.key || "spacer")).toEqual([
      "rx2:1",
      "spacer",
      "rx1:1",
    ]);
    expect(text(tile(list.card, "rx1:1"), ".slot")).toBe("2");
    expect(tile(list.card, "rx1:1").querySelector(".meters").hidden).toBe(true);
    expect(list.card.shadowRoot.querySelector(".board").classList.contains("size-tv")).toBe(true);
  });

  it("a new receiver set arrives as a snapshot and rebuilds the board", async () => {
    const { card, fake } = await mount();
    fake.deliver(snapshot());
    const extra = snapshot();
    extra.receivers.push(receiver("rx3", { name: "AD4Q" }, [channel(1), channel(2), channel(3), channel(4)]));
    fake.deliver(extra);
    expect(tiles(card)).toHaveLength(7);
    fake.deliver({ type: "snapshot", receivers: [] });
    expect(tiles(card)).toHaveLength(0);
    expect(card.shadowRoot.querySelector(".message").textContent).toMatch(/No Micboard receivers/);
  });

  it("unsubscribes when removed and subscribes again when added back", async () => {
    const { card, fake } = await mount();
    fake.deliver(snapshot());
    card.remove();
    await flush();
    expect(fake.active()).toHaveLength(0);
    expect(fake.listeners.ready).toHaveLength(0);
    document.body.append(card);
    await flush();
    expect(fake.subscriptions).toHaveLength(2);
    expect(fake.active()).toHaveLength(1);
  });

  it("marks the board stale while disconnected; resubscribes if no snapshot follows", async () => {
    vi.useFakeTimers();
    const { card, fake } = await mount();
    fake.deliver(snapshot());
    fake.fire("disconnected");
    expect(card.shadowRoot.querySelector(".status").dataset.status).toBe("reconnecting");
    expect(card.shadowRoot.querySelector(".board").classList.contains("stale")).toBe(true);

    // The websocket library resubscribes by itself: a fresh snapshot is enough.
    fake.fire("ready");
    const fresh = snapshot();
    fresh.receivers[0].channels[0].tx_on = false;
    fake.deliver(fresh);
    expect(card.shadowRoot.querySelector(".status").dataset.status).toBe("live");
    expect(tile(card, "rx1:1").dataset.state).toBe("tx_off");
    await vi.advanceTimersByTimeAsync(RESYNC_SECONDS * 1000 + 100);
    expect(fake.subscriptions).toHaveLength(1);

    // No snapshot after a reconnect: the card subscribes again itself.
    fake.fire("disconnected");
    fake.fire("ready");
    await vi.advanceTimersByTimeAsync(RESYNC_SECONDS * 1000 + 100);
    expect(fake.subscriptions).toHaveLength(2);
    fake.subscriptions[0].active = false; // the old one died with the old socket
    fake.deliver(snapshot());
    expect(tile(card, "rx1:1").dataset.state).toBe("good");
  });

  it("shows why it cannot subscribe and retries", async () => {
    vi.useFakeTimers();
    const fake = fakeHass({ fail: { code: "unknown_command", message: "Unknown command." } });
    const { card } = await mount({}, fake);
    await vi.advanceTimersByTimeAsync(0);
    expect(card.shadowRoot.querySelector(".status").dataset.status).toBe("error");
    expect(card.shadowRoot.querySelector(".message").textContent).toMatch(/Unknown command/);
    const calls = vi.spyOn(fake.connection, "subscribeMessage");
    await vi.advanceTimersByTimeAsync(RETRY_SECONDS * 1000 + 100);
    expect(calls).toHaveBeenCalledTimes(1);
  });

  it("rejects a broken config", () => {
    const card = document.createElement("micboard-card");
    expect(() => card.setConfig({ size: "stadium" })).toThrow(/size/);
  });
});

describe("micboard-card-editor", () => {
  async function editor(config) {
    const fake = fakeHass();
    const node = document.createElement("micboard-card-editor");
    node.setConfig(config);
    node.hass = fake.hass;
    document.body.append(node);
    await flush();
    fake.deliver(snapshot());
    const changes = [];
    node.addEventListener("config-changed", (event) => changes.push(event.detail.config));
    return { node, fake, changes, $: (selector) => node.shadowRoot.querySelector(selector) };
  }

  const pick = (select, value) => {
    select.value = value;
    select.dispatchEvent(new Event("change"));
  };

  it("edits title, filter, receiver, area, size and meters", async () => {
    const { changes, $ } = await editor({ type: "custom:micboard-card", filter: "all" });
    const title = $('input[name="title"]');
    title.value = "Band";
    title.dispatchEvent(new Event("input"));
    expect(changes.at(-1)).toMatchObject({ title: "Band" });

    pick($('select[name="filter"]'), "receiver");
    expect(changes.at(-1)).toMatchObject({ filter: "receiver", receiver: "rx1" });
    const receivers = [...$('select[name="receiver"]').options].map((option) => option.value);
    expect(receivers).toEqual(["rx1", "rx2"]);
    pick($('select[name="receiver"]'), "rx2");
    expect(changes.at(-1).receiver).toBe("rx2");

    pick($('select[name="filter"]'), "area");
    const areas = [...$('select[name="area"]').options].map((option) => [option.value, option.text]);
    expect(areas).toContainEqual(["stage", "Main stage"]);
    pick($('select[name="area"]'), "stage");
    expect(changes.at(-1)).toMatchObject({ filter: "area", area: "stage" });

    pick($('select[name="size"]'), "tv");
    expect(changes.at(-1).size).toBe("tv");
    const meters = $('input[name="show_meters"]');
    meters.checked = false;
    meters.dispatchEvent(new Event("change"));
    expect(changes.at(-1).show_meters).toBe(false);
  });

  it("edits an ordered list of slots with spacers", async () => {
    const { node, changes, $ } = await editor({ type: "custom:micboard-card", filter: "all" });
    pick($('select[name="filter"]'), "list");
    expect(changes.at(-1).slots).toEqual(["rx1:1", "rx1:2", "rx2:1"]);
    node.setConfig(changes.at(-1));
    const buttons = () => [...node.shadowRoot.querySelectorAll("button")];
    buttons().find((b) => b.textContent === "Add spacer").click();
    expect(changes.at(-1).slots).toEqual(["rx1:1", "rx1:2", "rx2:1", null]);
    // Move the spacer up one place.
    const ups = buttons().filter((b) => b.title === "Move up");
    ups[3].click();
    expect(changes.at(-1).slots).toEqual(["rx1:1", "rx1:2", null, "rx2:1"]);
    pick($('select[name="slot-0"]'), "rx2:1");
    expect(changes.at(-1).slots[0]).toBe("rx2:1");
    buttons().filter((b) => b.title === "Remove")[0].click();
    expect(changes.at(-1).slots).toEqual(["rx1:2", null, "rx2:1"]);
  });
});
