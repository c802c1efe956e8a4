/**
 * Micboard card for Home Assistant: one tile per wireless channel, readable
 * from across a room.
 *
 * A single ES module with no imports and no network access of its own: plain
 * custom elements and shadow DOM.  It follows the integration's websocket
 * stream (`micboard/subscribe`): a snapshot of every receiver, then channel
 * changes, meters at the receiver's own rate, and receiver link changes.
 * Meter events update only the affected tile's meter elements.
 *
 * Exports the pure helpers (tile state, battery and runtime formatting, slot
 * resolution, event application) for the unit tests in `frontend/`.
 */

export const CARD_TYPE = "micboard-card";
export const EDITOR_TYPE = "micboard-card-editor";
export const SUBSCRIBE = { type: "micboard/subscribe" };

/** Battery at or below this level counts as low (the integration's default). */
export const LOW_PERCENT = 20;
/** Battery at or below this level is critical. */
export const CRITICAL_PERCENT = 10;
/** RF at or below this level (transmitter on) counts as lost, as in the alert engine. */
export const RF_LOST_DBM = -95;
/** An RF meter (0–100) at or below this counts as no signal. */
export const RF_LOST_METER = 2;
/** Families whose meters report the active diversity antennas. */
export const ANTENNA_FAMILIES = new Set(["ulxd", "qlxd", "axient_digital", "uhfr"]);
/** Seconds before a failed subscription is tried again. */
export const RETRY_SECONDS = 15;
/** Seconds to wait for a snapshot after the connection came back. */
export const RESYNC_SECONDS = 10;

export const FILTERS = ["all", "receiver", "area", "list"];
export const SIZES = ["desk", "tv"];
/** Battery states the integration reports. */
export const BATTERY_STATES = ["good", "low", "critical"];

/** Tile states: background, text colour and the label shown on the tile. */
export const STATES = {
  good: { colour: "#1e9e48", text: "#ffffff", label: "GOOD" },
  low: { colour: "#f0a202", text: "#16120a", label: "LOW" },
  critical: { colour: "#d9261c", text: "#ffffff", label: "CRITICAL" },
  tx_off: { colour: "#545a61", text: "#eef0f2", label: "TX OFF" },
  rf_lost: { colour: "#a11ab8", text: "#ffffff", label: "RF LOST" },
  interference: { colour: "#a11ab8", text: "#ffffff", label: "INTERFERENCE" },
  offline: { colour: "#141619", text: "#8b939c", label: "OFFLINE" },
  unknown: { colour: "#30353b", text: "#c9ced4", label: "NO DATA" },
};
/** Outline and badge colour of a muted channel. */
export const MUTED_COLOUR = "#3d8bff";

const isNum = (value) => typeof value === "number" && Number.isFinite(value);

// ---------------------------------------------------------------- pure helpers

/** Battery level in %: reported, else 20 % per bar (the entities' rule); null when unknown. */
export function batteryLevel(channel) {
  if (!channel || channel.tx_on === false) return null;
  if (isNum(channel.battery_percent)) return channel.battery_percent;
  if (isNum(channel.battery_bars)) return channel.battery_bars * 20;
  return null;
}

/** Lit battery segments 0–5: reported bars, else derived from the level; null when unknown. */
export function batteryBars(channel) {
  if (!channel || channel.tx_on === false) return null;
  if (isNum(channel.battery_bars)) return Math.max(0, Math.min(5, Math.round(channel.battery_bars)));
  const level = batteryLevel(channel);
  if (level === null) return null;
  return Math.max(0, Math.min(5, Math.ceil(level / 20)));
}

/**
 * The battery state. The integration sends `battery_state` computed with the
 * receiver's own alert thresholds (runtime included), so the board agrees
 * with the entities and alerts; without it, Micboard's rule applies:
 * critical (0–2 bars or ≤ 10 %), low (3 bars or ≤ 20 %), good (4–5 bars).
 * An active battery alert raises the state. Null when unknown.
 */
export function batteryStatus(channel) {
  if (!channel || channel.tx_on === false) return null;
  const alerts = alertList(channel);
  if (BATTERY_STATES.includes(channel.battery_state)) {
    if (alerts.includes("battery_critical")) return "critical";
    if (alerts.includes("battery_low") && channel.battery_state === "good") return "low";
    return channel.battery_state;
  }
  const bars = isNum(channel.battery_bars) ? channel.battery_bars : null;
  const level = batteryLevel(channel);
  if (
    alerts.includes("battery_critical") ||
    (bars !== null && bars <= 2) ||
    (level !== null && level <= CRITICAL_PERCENT)
  ) {
    return "critical";
  }
  if (
    alerts.includes("battery_low") ||
    (bars !== null && bars === 3) ||
    (level !== null && level <= LOW_PERCENT)
  ) {
    return "low";
  }
  if (bars === null && level === null) return null;
  return "good";
}

/** Minutes as h:mm (539 → "8:59"); null when unknown. */
export function formatRuntime(minutes) {
  if (!isNum(minutes) || minutes < 0) return null;
  const total = Math.round(minutes);
  const hours = Math.floor(total / 60);
  return `${hours}:${String(total % 60).padStart(2, "0")}`;
}

/** The battery texts of a tile: {percent: "90%", runtime: "8:59"} (either may be null). */
export function batteryText(channel) {
  if (!channel || channel.tx_on === false) return { percent: null, runtime: null };
  const level = batteryLevel(channel);
  let runtime = formatRuntime(channel.battery_runtime_min);
  if (runtime === null && channel.battery_runtime_status === "calculating") runtime = "CALC";
  return { percent: level === null ? null : `${Math.round(level)}%`, runtime };
}

/** Frequency with 3 decimals ("470.625"); null when unknown. */
export function formatFrequency(mhz) {
  return isNum(mhz) ? mhz.toFixed(3) : null;
}

/** The channel's active alerts (`alert` may be one name, a list, or absent). */
export function alertList(channel) {
  const alert = channel ? channel.alert : null;
  if (!alert) return [];
  return (Array.isArray(alert) ? alert : [alert]).filter((item) => typeof item === "string");
}

/** "battery_low" → "BATTERY LOW". */
export function alertLabel(alert) {
  return String(alert).replace(/_/g, " ").toUpperCase();
}

/** Whether the receiver's meters are live (a rate of 0 means metering is off). */
export function metering(receiver) {
  return !!receiver && receiver.meter_rate_ms !== 0;
}

/** A transmitter that is on but reaches no antenna (or RF ~ 0, or zero link quality). */
export function rfLost(channel, receiver) {
  if (!channel || channel.tx_on !== true) return false;
  if (channel.quality === 0) return true;
  if (!metering(receiver)) return false;
  if (isNum(channel.rf_level_dbm) && channel.rf_level_dbm <= RF_LOST_DBM) return true;
  if (isNum(channel.rf_meter) && channel.rf_meter <= RF_LOST_METER) return true;
  return (
    !!receiver &&
    ANTENNA_FAMILIES.has(receiver.family) &&
    isNum(channel.rf_meter) &&
    !channel.antenna
  );
}

/**
 * The state of one tile: {state, colour, text, label, muted, alerts}.
 *
 * In order: receiver offline, no such channel, transmitter off, RF lost,
 * interference, battery critical / low / good; a transmitter that is on with
 * no battery data (an in-ear transmitter) is good ("ON").  Muting does not
 * change the state: it sets `muted`, drawn as an outline and a badge.
 */
export function tileState(channel, receiver) {
  const alerts = alertList(channel);
  let state;
  let label = null;
  if (!receiver || receiver.connected === false) {
    state = "offline";
  } else if (!channel) {
    state = "unknown";
  } else if (channel.tx_on === false) {
    state = "tx_off";
  } else if (rfLost(channel, receiver) || alerts.includes("rf_lost")) {
    state = "rf_lost";
  } else if (channel.interference === true || alerts.includes("interference")) {
    state = "interference";
  } else {
    const battery = batteryStatus(channel);
    if (battery !== null) {
      state = battery;
    } else if (channel.tx_on === true) {
      state = "good";
      label = "ON";
    } else {
      state = "unknown";
    }
  }
  const style = STATES[state];
  const live = state !== "offline" && state !== "tx_off" && state !== "unknown";
  return {
    state,
    colour: style.colour,
    text: style.text,
    label: label || style.label,
    muted: live && !!channel && (channel.muted === true || channel.tx_muted === true),
    alerts,
  };
}

/** "entry:2" → {entryId: "entry", channel: 2}; null for a spacer or garbage. */
export function parseSlot(slot) {
  if (typeof slot !== "string") return null;
  const at = slot.lastIndexOf(":");
  if (at <= 0) return null;
  const channel = Number(slot.slice(at + 1));
  if (!Number.isInteger(channel) || channel < 1) return null;
  return { entryId: slot.slice(0, at), channel };
}

/** The channel's area: its own, else its receiver's. */
export function channelArea(channel, receiver) {
  return (channel && channel.area_id) || (receiver && receiver.area_id) || null;
}

/**
 * The board's slots for a config and the known receivers (a Map by entry id,
 * in snapshot order): [{key, entryId, channel}, …] with null for a spacer.
 */
export function resolveSlots(config, receivers) {
  const filter = (config && config.filter) || "all";
  const all = [];
  for (const receiver of receivers.values()) {
    for (const channel of receiver.channels || []) {
      all.push({ receiver, channel });
    }
  }
  const slot = ({ receiver, channel }) => ({
    key: `${receiver.entry_id}:${channel.channel}`,
    entryId: receiver.entry_id,
    channel: channel.channel,
  });
  if (filter === "list") {
    return (config.slots || []).map((item) => {
      const parsed = parseSlot(item);
      return parsed ? { key: `${parsed.entryId}:${parsed.channel}`, ...parsed } : null;
    });
  }
  if (filter === "receiver") {
    return all.filter((item) => item.receiver.entry_id === config.receiver).map(slot);
  }
  if (filter === "area") {
    return all
      .filter((item) => channelArea(item.channel, item.receiver) === config.area)
      .map(slot);
  }
  return all.map(slot);
}

/** Find a channel of a receiver by number. */
export function findChannel(receiver, number) {
  if (!receiver || !receiver.channels) return undefined;
  return receiver.channels.find((channel) => channel.channel === number);
}

/**
 * Apply one stream event to the receivers Map (mutated in place).
 * Returns what changed: {structure} for snapshots, {entryId} for a receiver,
 * {entryId, channel, meter} for a channel; null when the event is unknown.
 */
export function applyEvent(receivers, event) {
  if (!event || typeof event !== "object") return null;
  switch (event.type) {
    case "snapshot":
      receivers.clear();
      for (const receiver of event.receivers || []) receivers.set(receiver.entry_id, receiver);
      return { structure: true };
    case "receiver_snapshot": {
      const receiver = event.receiver;
      if (!receiver) return null;
      receivers.set(receiver.entry_id, receiver);
      return { structure: true, entryId: receiver.entry_id };
    }
    case "receiver": {
      const receiver = receivers.get(event.entry_id);
      if (!receiver) return null;
      Object.assign(receiver, event.data || {});
      return { entryId: event.entry_id };
    }
    case "channel":
    case "meter": {
      const channel = findChannel(receivers.get(event.entry_id), event.channel);
      if (!channel) return null;
      Object.assign(channel, event.data || {});
      return { entryId: event.entry_id, channel: event.channel, meter: event.type === "meter" };
    }
    default:
      return null;
  }
}

/** Check and fill in a card config; throws on a config the card cannot show. */
export function normaliseConfig(config) {
  if (!config || typeof config !== "object") throw new Error("Invalid configuration");
  const filter = config.filter || "all";
  if (!FILTERS.includes(filter)) {
    throw new Error(`filter must be one of ${FILTERS.join(", ")}`);
  }
  const size = config.size || "desk";
  if (!SIZES.includes(size)) throw new Error(`size must be one of ${SIZES.join(", ")}`);
  if (config.slots !== undefined && !Array.isArray(config.slots)) {
    throw new Error("slots must be a list of \"<entry_id>:<channel>\" (or empty for a spacer)");
  }
  return {
    ...config,
    filter,
    size,
    show_meters: config.show_meters !== false,
    slots: (config.slots || []).map((slot) => (parseSlot(slot) ? slot : null)),
  };
}

// ---------------------------------------------------------------- the stream

const feeds = new WeakMap();

/**
 * One `micboard/subscribe` stream per connection, shared by every card and
 * editor on the page; subscribed while anyone listens.
 */
class Feed {
  constructor(connection) {
    this.connection = connection;
    this.receivers = new Map();
    this.listeners = new Set();
    this.loaded = false;
    this.online = true;
    this.error = null;
    this._token = null;
    this._unsubscribe = null;
    this._timer = null;
    this._onReady = () => this._reconnected();
    this._onDisconnected = () => {
      this.online = false;
      this._emit({ type: "status" });
    };
  }

  static for(connection) {
    let feed = feeds.get(connection);
    if (!feed) {
      feed = new Feed(connection);
      feeds.set(connection, feed);
    }
    return feed;
  }

  add(listener) {
    this.listeners.add(listener);
    if (this.listeners.size === 1) {
      this._listen(true);
      this._subscribe();
    } else if (this.loaded) {
      listener({ type: "sync" }, this);
    }
  }

  remove(listener) {
    if (!this.listeners.delete(listener) || this.listeners.size) return;
    this._listen(false);
    this._stop();
    this.receivers.clear();
    this.loaded = false;
    feeds.delete(this.connection);
  }

  _listen(on) {
    const connection = this.connection;
    const method = on ? "addEventListener" : "removeEventListener";
    if (typeof connection[method] !== "function") return;
    connection[method]("ready", this._onReady);
    connection[method]("disconnected", this._onDisconnected);
  }

  _subscribe() {
    const token = {};
    this._token = token;
    this.error = null;
    clearTimeout(this._timer);
    let pending;
    try {
      pending = Promise.resolve(
        this.connection.subscribeMessage((event) => this._handle(event), SUBSCRIBE)
      );
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (unsubscribe) => {
        if (this._token === token) {
          this._unsubscribe = unsubscribe;
        } else if (typeof unsubscribe === "function") {
          Promise.resolve(unsubscribe()).catch(() => {});
        }
      },
      (err) => {
        if (this._token !== token) return;
        this.error = (err && (err.message || err.code)) || String(err);
        this._emit({ type: "status" });
        this._timer = setTimeout(() => {
          if (this._token === token && this.listeners.size) this._subscribe();
        }, RETRY_SECONDS * 1000);
      }
    );
  }

  _stop() {
    this._token = null;
    clearTimeout(this._timer);
    const unsubscribe = this._unsubscribe;
    this._unsubscribe = null;
    if (typeof unsubscribe === "function") {
      Promise.resolve()
        .then(unsubscribe)
        .catch(() => {});
    }
  }

  _reconnected() {
    // The websocket library resubscribes by itself and the integration answers
    // with a fresh snapshot (until then the board stays marked stale).  If none comes (say the integration was still
    // loading when Home Assistant restarted), subscribe again.  The old
    // unsubscribe function is dropped, not called: its id belongs to the old
    // connection and may name another subscription on the new one.
    const token = this._token;
    this._waitingSince = Date.now();
    clearTimeout(this._timer);
    this._timer = setTimeout(() => {
      if (this._token !== token || !this.listeners.size || this._waitingSince === null) return;
      this._unsubscribe = null;
      this._subscribe();
    }, RESYNC_SECONDS * 1000);
  }

  _handle(event) {
    // Events of an abandoned subscription (see _reconnected) carry the same
    // state as the current one: applying them twice is harmless.
    const change = applyEvent(this.receivers, event);
    if (!change) return;
    if (change.structure && event.type === "snapshot") {
      this.loaded = true;
      this.online = true;
      this.error = null;
      this._waitingSince = null;
      clearTimeout(this._timer);
    }
    this._emit(event, change);
  }

  _emit(event, change) {
    for (const listener of [...this.listeners]) {
      try {
        listener(event, this, change);
      } catch (err) {
        // One broken view must not stop the others; report it.
        console.error("micboard-card:", err);
      }
    }
  }
}

export { Feed };

// ---------------------------------------------------------------- the card

const CARD_STYLE = `
:host { display: block; }
ha-card {
  background: #0a0c0f;
  color: #f3f5f7;
  overflow: hidden;
  border-radius: var(--ha-card-border-radius, 12px);
}
.board {
  padding: 10px;
  font-family: "Roboto Condensed", "Arial Narrow", Roboto, "Helvetica Neue", Arial, sans-serif;
}
.header {
  display: flex; align-items: center; justify-content: space-between; gap: 12px;
  padding: 2px 4px 10px;
}
.title { font-size: 24px; font-weight: 700; letter-spacing: 0.02em; }
.size-tv .title { font-size: 40px; }
.size-tv .status { font-size: 18px; }
.status {
  font-size: 12px; font-weight: 600; letter-spacing: 0.1em; text-transform: uppercase;
  color: #8f98a2; white-space: nowrap;
}
.status::before {
  content: ""; display: inline-block; width: 9px; height: 9px; border-radius: 50%;
  margin-right: 7px; background: #6b7280; vertical-align: 0;
}
.status[data-status="live"]::before { background: #22c55e; }
.status[data-status="waiting"]::before { background: #f0a202; }
.status[data-status="error"]::before,
.status[data-status="reconnecting"]::before { background: #d9261c; }
.message { padding: 24px 8px; text-align: center; color: #aab2bb; font-size: 16px; }
.message[hidden] { display: none; }
.grid {
  display: grid; gap: 8px;
  grid-template-columns: repeat(auto-fill, minmax(var(--tile-min), 1fr));
}
.size-desk { --tile-min: 172px; }
.size-tv { --tile-min: 320px; }
.size-tv .grid { gap: 14px; }
@media (max-width: 440px) { .size-desk { --tile-min: 138px; } .board { padding: 6px; } }
.stale .tile { opacity: 0.45; }

.tile, .spacer { container-type: inline-size; border-radius: 10px; min-width: 0; }
.spacer {
  border: 2px dashed #262b31; min-height: 60px;
}
.tile {
  position: relative; background: var(--bg); color: var(--fg);
  transition: background-color 0.25s ease, color 0.25s ease;
}
.tile.muted { box-shadow: inset 0 0 0 5px ${MUTED_COLOUR}; }
.tile[data-state="offline"] { box-shadow: inset 0 0 0 2px #2a2f35; }
.inner {
  display: flex; flex-direction: column; gap: 2.5cqi;
  padding: 6cqi 7cqi 5.5cqi;
}
.top { display: flex; align-items: flex-start; justify-content: space-between; gap: 3cqi; }
.slot { font-size: clamp(15px, 12cqi, 64px); font-weight: 800; line-height: 1; opacity: 0.92; }
.chips { display: flex; flex-wrap: wrap; justify-content: flex-end; gap: 1.5cqi; }
.chip {
  font-size: clamp(10px, 6.2cqi, 30px); font-weight: 800; letter-spacing: 0.05em;
  line-height: 1; padding: 1.4cqi 2.4cqi; border-radius: 1.8cqi;
  background: rgba(0, 0, 0, 0.38); color: #ffffff; white-space: nowrap;
}
.chip.muted { background: ${MUTED_COLOUR}; }
.chip.alert { background: #ffffff; color: #111111; }
.chip.quiet { background: transparent; box-shadow: inset 0 0 0 1px currentColor; color: inherit; opacity: 0.8; }
.chip[hidden] { display: none; }
.name {
  font-size: clamp(19px, 15.5cqi, 90px); font-weight: 800; line-height: 1.05;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
}
.performer {
  font-size: clamp(14px, 10cqi, 58px); font-weight: 600; line-height: 1.1;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; opacity: 0.95;
}
.performer[hidden] { display: none; }
.battery { display: flex; align-items: center; gap: 3cqi; min-height: 8cqi; }
.bars { display: flex; gap: 1.4cqi; align-items: stretch; height: clamp(12px, 8cqi, 40px); }
.bars i {
  display: block; width: clamp(8px, 5.4cqi, 28px); border-radius: 1cqi;
  background: currentColor; opacity: 0.22;
}
.bars i.on { opacity: 1; }
.bars[hidden], .ant[hidden], .meter[hidden] { display: none; }
.btext {
  font-size: clamp(13px, 9cqi, 50px); font-weight: 700; line-height: 1; white-space: nowrap;
  font-variant-numeric: tabular-nums;
}
.btext .runtime { margin-left: 2.5cqi; opacity: 0.85; }
.meters {
  display: flex; flex-direction: column; gap: 1.8cqi;
  background: rgba(0, 0, 0, 0.34); border-radius: 2.4cqi; padding: 2.6cqi 3cqi;
}
.meters[hidden] { display: none; }
.meter { display: flex; align-items: center; gap: 2cqi; }
.mlabel {
  font-size: clamp(9px, 5.4cqi, 26px); font-weight: 700; min-width: 11.5cqi; opacity: 0.8;
  color: #e5e9ee; letter-spacing: 0.04em;
}
.ant { display: flex; gap: 1cqi; }
.ant b {
  font-size: clamp(9px, 5.4cqi, 26px); font-weight: 800; line-height: 1;
  padding: 0.8cqi 1.2cqi; border-radius: 1cqi; color: #9aa3ad; background: rgba(255, 255, 255, 0.08);
}
.ant b.on { color: #0b1220; background: #5cc8ff; }
.track {
  position: relative; flex: 1; height: clamp(7px, 4.6cqi, 24px); border-radius: 1cqi;
  overflow: hidden; background: rgba(255, 255, 255, 0.1);
}
.rf .fill {
  position: absolute; inset: 0 auto 0 0; width: 0; background: #e9f6ff;
  transition: width 0.3s linear;
}
.audio .track {
  background: linear-gradient(90deg, #22c55e 0 62%, #facc15 62% 84%, #ef4444 84% 100%);
}
.audio .cover {
  position: absolute; inset: 0 0 0 auto; width: 100%; background: rgba(8, 10, 13, 0.82);
  transition: width 0.3s linear;
}
.foot {
  display: flex; justify-content: space-between; align-items: baseline; gap: 2cqi;
  font-size: clamp(11px, 7.4cqi, 38px); font-weight: 700; line-height: 1.1; white-space: nowrap;
  font-variant-numeric: tabular-nums;
}
.foot .txmodel { overflow: hidden; text-overflow: ellipsis; opacity: 0.9; }
.where {
  font-size: clamp(10px, 6cqi, 30px); line-height: 1.1; opacity: 0.72;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
}
`;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function setText(node, text) {
  const value = text === null || text === undefined ? "" : String(text);
  if (node.textContent !== value) node.textContent = value;
}

function setAttr(node, name, value) {
  const text = value === null || value === undefined ? "" : String(value);
  if (node.getAttribute(name) !== text) node.setAttribute(name, text);
}

/** One channel tile: builds its elements once, then updates them in place. */
class Tile {
  constructor(slot, number) {
    this.slot = slot;
    this.state = null;
    const root = (this.root = el("div", "tile"));
    root.dataset.key = slot.key;
    root.dataset.channel = String(slot.channel);
    const inner = el("div", "inner");
    const top = el("div", "top");
    this.number = el("span", "slot", String(number));
    this.chips = el("div", "chips");
    this.muteChip = el("span", "chip muted", "MUTED");
    this.stateChip = el("span", "chip state");
    this.alertChip = el("span", "chip alert");
    this.quietChip = el("span", "chip quiet", "ALERTS OFF");
    this.chips.append(this.stateChip, this.muteChip, this.alertChip, this.quietChip);
    top.append(this.number, this.chips);
    this.name = el("div", "name");
    this.performer = el("div", "performer");
    const battery = el("div", "battery");
    this.bars = el("div", "bars");
    this.segments = [];
    for (let i = 0; i < 5; i += 1) {
      const segment = el("i");
      this.segments.push(segment);
      this.bars.append(segment);
    }
    this.btext = el("span", "btext");
    this.percent = el("span", "percent");
    this.runtime = el("span", "runtime");
    this.btext.append(this.percent, this.runtime);
    battery.append(this.bars, this.btext);
    this.meters = el("div", "meters");
    const rf = (this.rfRow = el("div", "meter rf"));
    this.antA = el("b", "", "A");
    this.antB = el("b", "", "B");
    const ant = (this.ant = el("span", "ant"));
    ant.append(this.antA, this.antB);
    const rfTrack = el("div", "track");
    this.rfFill = el("div", "fill");
    rfTrack.append(this.rfFill);
    rf.append(el("span", "mlabel", "RF"), ant, rfTrack);
    const audio = el("div", "meter audio");
    const audioTrack = el("div", "track");
    this.audioCover = el("div", "cover");
    audioTrack.append(this.audioCover);
    audio.append(el("span", "mlabel", "AUD"), audioTrack);
    this.meters.append(rf, audio);
    const foot = el("div", "foot");
    this.freq = el("span", "freq");
    this.txmodel = el("span", "txmodel");
    foot.append(this.freq, this.txmodel);
    this.where = el("div", "where");
    inner.append(top, this.name, this.performer, battery, this.meters, foot, this.where);
    root.append(inner);
  }

  /** Everything: names, battery, state, meters. */
  update(channel, receiver, showMeters) {
    const root = this.root;
    setAttr(root, "data-model", receiver ? receiver.model : "");
    const name =
      (channel && (channel.name || channel.device_name)) || `CH ${this.slot.channel}`;
    setText(this.name, name);
    const performer = channel && channel.performer;
    setText(this.performer, performer || "");
    this.performer.hidden = !performer;
    // An offline receiver's battery readings are stale: show none.
    const offline = !receiver || receiver.connected === false;
    const bars = offline ? null : batteryBars(channel);
    this.segments.forEach((segment, index) => {
      segment.classList.toggle("on", bars !== null && index < bars);
    });
    // No battery at all (an in-ear transmitter): no empty gauge either.
    this.bars.hidden = bars === null && !!channel && channel.tx_on === true;
    this.ant.hidden = !(receiver && ANTENNA_FAMILIES.has(receiver.family));
    setAttr(root, "data-battery", bars === null ? "" : bars);
    const text = offline ? { percent: null, runtime: null } : batteryText(channel);
    setText(this.percent, text.percent);
    setText(this.runtime, text.runtime);
    const freq = channel ? formatFrequency(channel.frequency_mhz) : null;
    setText(this.freq, freq ? `${freq} MHz` : "");
    setText(this.txmodel, (channel && channel.tx_on !== false && channel.tx_model) || "");
    const rxName = receiver ? receiver.name || receiver.model : "Unknown receiver";
    setText(this.where, `${rxName} · CH ${this.slot.channel}`);
    this.meters.hidden = !showMeters;
    // In-ear transmitters report no RF level: no empty RF bar for them.
    this.rfRow.hidden = !!channel && !isNum(channel.rf_meter) && !isNum(channel.rf_level_dbm);
    this.quietChip.hidden = !(channel && channel.alerts_enabled === false);
    this.updateMeters(channel, receiver);
  }

  /** Meters and antennas only; the state too, as RF loss depends on them. */
  updateMeters(channel, receiver) {
    const state = tileState(channel, receiver);
    const live = state.state !== "offline" && state.state !== "tx_off" && metering(receiver);
    const rf = live && channel && isNum(channel.rf_meter) ? clampMeter(channel.rf_meter) : 0;
    const audio =
      live && channel && isNum(channel.audio_meter) ? clampMeter(channel.audio_meter) : 0;
    const antenna = (live && channel && channel.antenna) || "";
    this.rfFill.style.width = `${rf}%`;
    this.audioCover.style.width = `${100 - audio}%`;
    this.antA.classList.toggle("on", antenna.includes("A"));
    this.antB.classList.toggle("on", antenna.includes("B"));
    setAttr(this.root, "data-rf", rf);
    setAttr(this.root, "data-audio", audio);
    setAttr(this.root, "data-antenna", antenna);
    this.applyState(state);
  }

  applyState(state) {
    const previous = this.state;
    if (
      previous &&
      previous.state === state.state &&
      previous.label === state.label &&
      previous.muted === state.muted &&
      previous.alerts.join() === state.alerts.join()
    ) {
      return;
    }
    this.state = state;
    const root = this.root;
    root.dataset.state = state.state;
    root.style.setProperty("--bg", state.colour);
    root.style.setProperty("--fg", state.text);
    root.classList.toggle("muted", state.muted);
    root.dataset.muted = state.muted ? "true" : "false";
    setText(this.stateChip, state.label);
    this.stateChip.hidden = state.state === "good";
    this.muteChip.hidden = !state.muted;
    const alerts = state.alerts
      .filter((alert) => !(ALERT_SHOWN_BY[alert] || []).includes(state.state))
      .map(alertLabel)
      .join(" · ");
    setText(this.alertChip, alerts);
    this.alertChip.hidden = !alerts;
  }
}

/** Alerts that the tile's state already says (no second badge for them). */
const ALERT_SHOWN_BY = {
  battery_low: ["low", "critical"],
  battery_critical: ["critical"],
  transmitter_off: ["tx_off"],
  rf_lost: ["rf_lost"],
  interference: ["interference"],
  receiver_offline: ["offline"],
};

function clampMeter(value) {
  return Math.max(0, Math.min(100, Math.round(value)));
}

class MicboardCard extends HTMLElement {
  constructor() {
    super();
    this._config = null;
    this._hass = null;
    this._feed = null;
    this._tiles = new Map();
    this._layout = null;
    this._listener = (event, feed, change) => this._onEvent(event, feed, change);
    this.attachShadow({ mode: "open" });
  }

  static getConfigElement() {
    return document.createElement(EDITOR_TYPE);
  }

  static getStubConfig() {
    return { title: "Micboard", filter: "all", size: "desk", show_meters: true };
  }

  setConfig(config) {
    this._config = normaliseConfig(config);
    this._layout = null;
    this._build();
    this._refresh();
  }

  set hass(hass) {
    this._hass = hass;
    this._attach();
  }

  get hass() {
    return this._hass;
  }

  connectedCallback() {
    this._attach();
  }

  disconnectedCallback() {
    this._detach();
  }

  getCardSize() {
    const tiles = this._feed ? resolveSlots(this._config, this._feed.receivers).length : 4;
    const perRow = this._config && this._config.size === "tv" ? 3 : 4;
    return 1 + Math.max(1, Math.ceil(tiles / perRow)) * 3;
  }

  getGridOptions() {
    return { columns: "full", min_columns: 6 };
  }

  _attach() {
    const connection = this._hass && this._hass.connection;
    if (!this.isConnected || !connection) return;
    if (this._feed && this._feed.connection === connection) return;
    this._detach();
    this._feed = Feed.for(connection);
    this._feed.add(this._listener);
    this._refresh();
  }

  _detach() {
    if (!this._feed) return;
    const feed = this._feed;
    this._feed = null;
    feed.remove(this._listener);
  }

  _build() {
    if (!this._config) return;
    const root = this.shadowRoot;
    root.textContent = "";
    const style = el("style");
    style.textContent = CARD_STYLE;
    const card = el("ha-card");
    this._board = el("div", `board size-${this._config.size}`);
    const header = el("div", "header");
    this._title = el("div", "title", this._config.title || "");
    this._status = el("div", "status");
    header.append(this._title, this._status);
    this._message = el("div", "message");
    this._grid = el("div", "grid");
    this._board.append(header, this._message, this._grid);
    card.append(this._board);
    root.append(style, card);
    this._tiles = new Map();
    this._layout = null;
  }

  _onEvent(event, feed, change) {
    if (!this._config || feed !== this._feed) return;
    if (event.type === "status" || event.type === "sync" || !change || change.structure) {
      this._refresh();
      return;
    }
    const receiver = feed.receivers.get(change.entryId);
    if (change.channel === undefined) {
      // Receiver-wide (link lost, meter rate …): every tile of that receiver.
      for (const [key, tiles] of this._tiles) {
        if (!key.startsWith(`${change.entryId}:`)) continue;
        const channel = findChannel(receiver, tiles[0].slot.channel);
        for (const tile of tiles) tile.update(channel, receiver, this._config.show_meters);
      }
      return;
    }
    const tiles = this._tiles.get(`${change.entryId}:${change.channel}`);
    if (!tiles) return;
    const channel = findChannel(receiver, change.channel);
    for (const tile of tiles) {
      if (change.meter) tile.updateMeters(channel, receiver);
      else tile.update(channel, receiver, this._config.show_meters);
    }
  }

  /** Status line and message; rebuild the tiles when the slots changed, else update them. */
  _refresh() {
    if (!this._config || !this._grid) return;
    const feed = this._feed;
    let status = "waiting";
    let statusText = "Connecting";
    let message = "";
    if (!feed) {
      message = "Waiting for Home Assistant…";
    } else if (feed.error && !feed.loaded) {
      status = "error";
      statusText = "Error";
      message = `Micboard is not available: ${feed.error}`;
    } else if (!feed.online) {
      status = "reconnecting";
      statusText = "Reconnecting";
    } else if (!feed.loaded) {
      message = "Loading receivers…";
    } else {
      status = "live";
      statusText = "Live";
    }
    setAttr(this._status, "data-status", status);
    setText(this._status, statusText);
    this._board.classList.toggle("stale", status === "reconnecting");
    const receivers = feed ? feed.receivers : new Map();
    const slots = resolveSlots(this._config, receivers);
    if (!message && feed && feed.loaded && !slots.length) {
      message = receivers.size
        ? "No channels match this card's filter."
        : "No Micboard receivers are set up yet.";
    }
    setText(this._message, message);
    this._message.hidden = !message;
    const layout = slots.map((slot) => (slot ? slot.key : "-")).join("|");
    if (layout !== this._layout) {
      this._layout = layout;
      this._tiles = new Map();
      const nodes = [];
      let number = 0;
      for (const slot of slots) {
        if (!slot) {
          nodes.push(el("div", "spacer"));
          continue;
        }
        number += 1;
        const tile = new Tile(slot, number);
        const list = this._tiles.get(slot.key) || [];
        list.push(tile);
        this._tiles.set(slot.key, list);
        nodes.push(tile.root);
      }
      this._grid.replaceChildren(...nodes);
    }
    for (const tiles of this._tiles.values()) {
      for (const tile of tiles) {
        const receiver = receivers.get(tile.slot.entryId);
        tile.update(findChannel(receiver, tile.slot.channel), receiver, this._config.show_meters);
      }
    }
  }
}

// ---------------------------------------------------------------- the editor

const EDITOR_STYLE = `
:host { display: block; }
.form { display: flex; flex-direction: column; gap: 14px; padding: 4px 0; }
label.field { display: flex; flex-direction: column; gap: 4px; font-size: 14px; }
label.field > span { color: var(--secondary-text-color, #6b7280); font-size: 12px; }
input[type="text"], select {
  font: inherit; font-size: 15px; padding: 8px 10px; border-radius: 6px;
  border: 1px solid var(--divider-color, #c7ccd1);
  background: var(--card-background-color, #ffffff); color: var(--primary-text-color, #111111);
}
label.check { display: flex; align-items: center; gap: 8px; font-size: 14px; }
.slots { display: flex; flex-direction: column; gap: 6px; }
.row { display: flex; gap: 6px; align-items: center; }
.row .n { width: 24px; text-align: right; color: var(--secondary-text-color, #6b7280); }
.row select { flex: 1; min-width: 0; }
button {
  font: inherit; font-size: 13px; padding: 6px 10px; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--divider-color, #c7ccd1);
  background: var(--secondary-background-color, #f3f4f6); color: var(--primary-text-color, #111111);
}
.actions { display: flex; gap: 8px; flex-wrap: wrap; }
.hint { font-size: 12px; color: var(--secondary-text-color, #6b7280); }
`;

class MicboardCardEditor extends HTMLElement {
  constructor() {
    super();
    this._config = MicboardCard.getStubConfig();
    this._sent = null;
    this._hass = null;
    this._feed = null;
    this._listener = (event) => {
      if (event.type !== "meter" && event.type !== "channel") this._render();
    };
    this.attachShadow({ mode: "open" });
  }

  setConfig(config) {
    const text = JSON.stringify(config);
    this._config = { ...config };
    if (text === this._sent) return; // our own change coming back
    this._render();
  }

  set hass(hass) {
    this._hass = hass;
    this._attach();
  }

  get hass() {
    return this._hass;
  }

  connectedCallback() {
    this._attach();
    this._render();
  }

  disconnectedCallback() {
    if (this._feed) this._feed.remove(this._listener);
    this._feed = null;
  }

  _attach() {
    const connection = this._hass && this._hass.connection;
    if (!this.isConnected || !connection) return;
    if (this._feed && this._feed.connection === connection) return;
    if (this._feed) this._feed.remove(this._listener);
    this._feed = Feed.for(connection);
    this._feed.add(this._listener);
    this._render();
  }

  _receivers() {
    return this._feed ? [...this._feed.receivers.values()] : [];
  }

  _areaName(areaId) {
    const areas = this._hass && this._hass.areas;
    return (areas && areas[areaId] && areas[areaId].name) || areaId;
  }

  _change(patch) {
    const config = { ...this._config, ...patch };
    for (const key of Object.keys(config)) {
      if (config[key] === undefined) delete config[key];
    }
    this._config = config;
    this._sent = JSON.stringify(config);
    this.dispatchEvent(
      new CustomEvent("config-changed", { detail: { config }, bubbles: true, composed: true })
    );
  }

  _allSlots() {
    return resolveSlots({ filter: "all" }, this._feed ? this._feed.receivers : new Map()).map(
      (slot) => slot.key
    );
  }

  _render() {
    const root = this.shadowRoot;
    if (!root) return;
    const config = this._config;
    const filter = config.filter || "all";
    const receivers = this._receivers();
    const form = el("div", "form");

    const title = el("input");
    title.type = "text";
    title.name = "title";
    title.value = config.title || "";
    title.addEventListener("input", () => this._change({ title: title.value || undefined }));
    form.append(field("Title", title));

    const mode = select(
      "filter",
      [
        ["all", "All channels"],
        ["receiver", "One receiver"],
        ["area", "One area"],
        ["list", "Explicit list of slots"],
      ],
      filter
    );
    mode.addEventListener("change", () => {
      const patch = { filter: mode.value };
      if (mode.value === "list" && !(config.slots && config.slots.length)) {
        patch.slots = this._allSlots();
      }
      if (mode.value === "receiver" && !config.receiver && receivers.length) {
        patch.receiver = receivers[0].entry_id;
      }
      this._change(patch);
      this._render();
    });
    form.append(field("Show", mode));

    if (filter === "receiver") {
      const options = receivers.map((rx) => [rx.entry_id, `${rx.name} (${rx.model})`]);
      if (config.receiver && !receivers.some((rx) => rx.entry_id === config.receiver)) {
        options.unshift([config.receiver, `Unknown receiver (${config.receiver})`]);
      }
      const picker = select("receiver", options, config.receiver || "");
      picker.addEventListener("change", () => this._change({ receiver: picker.value }));
      form.append(field("Receiver", picker));
    }

    if (filter === "area") {
      const ids = new Set();
      for (const rx of receivers) {
        if (rx.area_id) ids.add(rx.area_id);
        for (const ch of rx.channels || []) if (ch.area_id) ids.add(ch.area_id);
      }
      if (config.area) ids.add(config.area);
      const options = [...ids].map((id) => [id, this._areaName(id)]);
      options.unshift(["", ids.size ? "Choose an area" : "No receiver has an area yet"]);
      const picker = select("area", options, config.area || "");
      picker.addEventListener("change", () => this._change({ area: picker.value || undefined }));
      form.append(field("Area", picker));
    }

    if (filter === "list") form.append(this._slotsEditor(receivers));

    const size = select(
      "size",
      [
        ["desk", "Desk (phones, monitors)"],
        ["tv", "TV (large, across the room)"],
      ],
      config.size || "desk"
    );
    size.addEventListener("change", () => this._change({ size: size.value }));
    form.append(field("Tile size", size));

    const meters = el("input");
    meters.type = "checkbox";
    meters.name = "show_meters";
    meters.checked = config.show_meters !== false;
    meters.addEventListener("change", () => this._change({ show_meters: meters.checked }));
    const check = el("label", "check");
    check.append(meters, el("span", "", "Show RF and audio meters"));
    form.append(check);

    const style = el("style");
    style.textContent = EDITOR_STYLE;
    root.replaceChildren(style, form);
  }

  _slotsEditor(receivers) {
    const slots = Array.isArray(this._config.slots) ? [...this._config.slots] : [];
    const wrap = el("div", "slots");
    wrap.append(el("div", "hint", "Slots in order; a spacer leaves an empty place on the board."));
    const options = [["", "— spacer —"]];
    for (const rx of receivers) {
      for (const ch of rx.channels || []) {
        const name = ch.name || ch.device_name || `CH ${ch.channel}`;
        options.push([`${rx.entry_id}:${ch.channel}`, `${rx.name} · ${ch.channel} · ${name}`]);
      }
    }
    const save = (next) => {
      this._change({ slots: next });
      this._render();
    };
    slots.forEach((slot, index) => {
      const row = el("div", "row");
      const known = options.some(([value]) => value === (slot || ""));
      const rowOptions = known ? options : [...options, [slot, `Unknown (${slot})`]];
      const picker = select(`slot-${index}`, rowOptions, slot || "");
      picker.addEventListener("change", () => {
        const next = [...slots];
        next[index] = picker.value || null;
        save(next);
      });
      const up = button("↑", "Move up", () => {
        if (index === 0) return;
        const next = [...slots];
        [next[index - 1], next[index]] = [next[index], next[index - 1]];
        save(next);
      });
      const down = button("↓", "Move down", () => {
        if (index === slots.length - 1) return;
        const next = [...slots];
        [next[index + 1], next[index]] = [next[index], next[index + 1]];
        save(next);
      });
      const remove = button("✕", "Remove", () => save(slots.filter((_, i) => i !== index)));
      row.append(el("span", "n", String(index + 1)), picker, up, down, remove);
      wrap.append(row);
    });
    const actions = el("div", "actions");
    const used = new Set(slots.filter(Boolean));
    const firstFree = options.find(([value]) => value && !used.has(value));
    actions.append(
      button("Add channel", "Add channel", () =>
        save([...slots, firstFree ? firstFree[0] : null])
      ),
      button("Add spacer", "Add spacer", () => save([...slots, null])),
      button("All channels", "Fill with all channels", () => save(this._allSlots()))
    );
    wrap.append(actions);
    return wrap;
  }
}

function field(text, control) {
  const label = el("label", "field");
  label.append(el("span", "", text), control);
  return label;
}

function select(name, options, value) {
  const node = el("select");
  node.name = name;
  for (const [optionValue, text] of options) {
    const option = el("option", "", text);
    option.value = optionValue;
    node.append(option);
  }
  node.value = value;
  return node;
}

function button(text, label, onClick) {
  const node = el("button", "", text);
  node.type = "button";
  node.title = label;
  node.setAttribute("aria-label", label);
  node.addEventListener("click", onClick);
  return node;
}

export { MicboardCard, MicboardCardEditor };

// ---------------------------------------------------------------- registration

/** Define both elements on the page's current registry (once per registry). */
export function defineElements() {
  for (const [tag, element] of [
    [CARD_TYPE, MicboardCard],
    [EDITOR_TYPE, MicboardCardEditor],
  ]) {
    if (customElements.get(tag)) continue;
    try {
      customElements.define(tag, element);
    } catch (err) {
      console.warn(`micboard-card: cannot define ${tag}:`, err);
    }
  }
}

if (typeof window !== "undefined" && window.customElements) {
  defineElements();
  // Home Assistant's frontend installs a scoped custom element registry
  // polyfill that replaces window.customElements.  This module is loaded in
  // parallel with the frontend and can run first; its definitions then sit in
  // the native registry only, the dashboard never sees them and shows
  // "Configuration error".  Watch for the swap for a while and define again.
  let registry = window.customElements;
  let checks = 0;
  const watch = setInterval(() => {
    checks += 1;
    if (window.customElements !== registry) {
      registry = window.customElements;
      defineElements();
    }
    if (checks >= 300) clearInterval(watch); // 30 s
  }, 100);
  window.customCards = window.customCards || [];
  if (!window.customCards.some((card) => card.type === CARD_TYPE)) {
    window.customCards.push({
      type: CARD_TYPE,
      name: "Micboard",
      description:
        "Wireless microphones at a glance: one tile per channel with battery, RF, audio and state colours.",
      preview: true,
      documentationURL: "https://github.com/micboard-ha/micboard",
    });
  }
}
