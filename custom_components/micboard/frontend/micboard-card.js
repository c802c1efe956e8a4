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
/** Battery colours: Micboard's by bars (good 4–5, replace 3, critical 0–2) or the alert thresholds. */
export const BATTERY_COLOURS = ["bars", "thresholds"];
/** How long a switched-off transmitter's last battery stays on its tile (as in Micboard). */
export const LAST_KNOWN_MS = 30 * 60 * 1000;
/** How long a tile pulses after its channel clipped. */
export const PEAK_MS = 5000;
/** Audio at or above this peak (dBFS) or meter (0–100) counts as a clip. */
export const CLIP_DBFS = -1;
export const CLIP_METER = 98;
/** The chart's window. */
export const CHART_MS = 60 * 1000;
/** Slot prefix of an offline slot ("offline:2" = the second configured offline slot). */
export const OFFLINE_PREFIX = "offline";
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
  unassigned: { colour: "#0c0d0f", text: "#c9ced4", label: "NO NETWORK" },
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
export function batteryStatus(channel, colours = "bars") {
  if (!channel || channel.tx_on === false) return null;
  const alerts = alertList(channel);
  if (colours === "bars") {
    const bars = isNum(channel.battery_bars) ? batteryBars(channel) : null;
    if (bars !== null) {
      let state = bars <= 2 ? "critical" : bars === 3 ? "low" : "good";
      if (alerts.includes("battery_critical")) state = "critical";
      else if (alerts.includes("battery_low") && state === "good") state = "low";
      return state;
    }
  }
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

/** Tile labels for a coarse audio class (devices that report no transmitter). */
const ACTIVITY_LABELS = { low: "QUIET", good: "AUDIO", clipping: "CLIPPING" };

/**
 * The state of one tile: {state, colour, text, label, muted, alerts}.
 *
 * In order: receiver offline, no such channel, transmitter off, RF lost,
 * interference, battery critical / low / good; a transmitter that is on with
 * no battery data (an in-ear transmitter) is good ("ON"), and so is a channel
 * that reports only its audio class (labelled with it).  Muting does not
 * change the state: it sets `muted`, drawn as an outline and a badge.
 */
export function tileState(channel, receiver, colours = "bars") {
  const alerts = alertList(channel);
  let state;
  let label = null;
  if (channel && channel.offline_slot) {
    state = "unassigned";
  } else if (!receiver || receiver.connected === false) {
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
    const battery = batteryStatus(channel, colours);
    if (battery !== null) {
      state = battery;
    } else if (channel.tx_on === true) {
      state = "good";
      label = "ON";
    } else if (ACTIVITY_LABELS[channel.audio_activity]) {
      // A device that reports only a coarse audio class (no transmitter or
      // battery): it is live, and the class is what there is to show.
      state = "good";
      label = ACTIVITY_LABELS[channel.audio_activity];
    } else {
      state = "unknown";
    }
  }
  const style = STATES[state];
  const live = !["offline", "tx_off", "unknown", "unassigned"].includes(state);
  return {
    state,
    colour: style.colour,
    text: style.text,
    label: label || style.label,
    muted: live && !!channel && (channel.muted === true || channel.tx_muted === true),
    alerts,
  };
}

/**
 * A channel name split as Micboard does: a leading word with a digit
 * ("HH01", "BP-3", "05") is the ID, the rest the name; "IEM 2 Drums" keeps
 * two words as the ID.  {id: null, name} when there is no such word.
 */
export function splitName(text) {
  const value = typeof text === "string" ? text.trim() : "";
  if (!value) return { id: null, name: "" };
  const words = value.split(/\s+/);
  // An ID needs a name after it: "BV 1" alone is a name.
  if (words.length > 2 && /^[A-Za-z]+$/.test(words[0]) && /^\d+$/.test(words[1])) {
    return { id: `${words[0]} ${words[1]}`, name: words.slice(2).join(" ") };
  }
  if (words.length > 1 && /\d/.test(words[0]) && words[0].length <= 6) {
    return { id: words[0], name: words.slice(1).join(" ") };
  }
  return { id: null, name: value };
}

/**
 * The last battery reading of each slot while its transmitter was on, kept
 * for LAST_KNOWN_MS after it went off (display memory only: the entities
 * stay unknown).
 */
export class BatteryMemory {
  constructor() {
    this.readings = new Map();
  }

  /** Remember the channel's battery now (when on and known). */
  note(key, channel, now = Date.now()) {
    if (!channel || channel.tx_on !== true) return;
    const bars = batteryBars(channel);
    if (bars === null) return;
    this.readings.set(key, {
      bars,
      percent: isNum(channel.battery_percent) ? channel.battery_percent : null,
      status: batteryStatus(channel, "bars"),
      at: now,
    });
  }

  /** The last reading of a slot that is off now; null when there is none or it is too old. */
  get(key, now = Date.now()) {
    const reading = this.readings.get(key);
    if (!reading) return null;
    if (now - reading.at > LAST_KNOWN_MS) {
      this.readings.delete(key);
      return null;
    }
    return reading;
  }
}

/** Milliseconds as an age: "now", "4 min ago", "1 h 5 min ago". */
export function formatAge(ms) {
  if (!isNum(ms) || ms < 60 * 1000) return "now";
  const minutes = Math.floor(ms / 60000);
  if (minutes < 60) return `${minutes} min ago`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min ago`;
}

/** Whether the channel's audio clips (peak at full scale, or the meter at the top). */
export function clipping(channel) {
  if (!channel || channel.tx_on === false) return false;
  if (isNum(channel.audio_peak_dbfs) && channel.audio_peak_dbfs >= CLIP_DBFS) return true;
  return isNum(channel.audio_meter) && channel.audio_meter >= CLIP_METER;
}

/** Axient link quality dots: {lit, total} or null when the channel reports none. */
export function qualityDots(channel) {
  if (!channel || !isNum(channel.quality) || channel.quality < 0 || channel.quality > 5) return null;
  return { lit: Math.round(channel.quality), total: 5 };
}

/** Transmitter offset as "+6 dB" / "-3 dB" / "0 dB"; null when unknown. */
export function formatOffset(db) {
  if (!isNum(db)) return null;
  return `${db > 0 ? "+" : ""}${Math.round(db)} dB`;
}

/** Left/right input meters of an in-ear transmitter: [left, right], or null. */
export function stereoMeters(channel) {
  if (!channel) return null;
  const left = channel.audio_meter_left;
  const right = channel.audio_meter_right;
  if (!isNum(left) && !isNum(right)) return null;
  return [isNum(left) ? clampMeter(left) : 0, isNum(right) ? clampMeter(right) : 0];
}

/** Whether the transmitter's controls are locked (ON/true); null when unknown. */
export function powerLocked(channel) {
  const value = channel ? channel.tx_power_lock : undefined;
  if (value === true || value === "ON" || value === "on") return true;
  if (value === false || value === "OFF" || value === "off") return false;
  return null;
}

/** Append a chart sample and drop those older than the window (in place). */
export function addSample(samples, t, rf, audio, windowMs = CHART_MS) {
  const last = samples[samples.length - 1];
  if (last && t < last.t) return samples;
  samples.push({ t, rf: isNum(rf) ? clampMeter(rf) : null, audio: isNum(audio) ? clampMeter(audio) : null });
  while (samples.length && samples[0].t < t - windowMs) samples.shift();
  return samples;
}

/** SVG polyline points of one field over the window ending now ("x,y …"). */
export function chartPoints(samples, field, now, width = 100, height = 30, windowMs = CHART_MS) {
  const points = [];
  for (const sample of samples) {
    const value = sample[field];
    if (!isNum(value) || sample.t < now - windowMs) continue;
    const x = width - ((now - sample.t) / windowMs) * width;
    const y = height - (value / 100) * height;
    points.push(`${x.toFixed(1)},${y.toFixed(1)}`);
  }
  return points.join(" ");
}

/** An RF level in dBm as a 0–100 meter (−100 dBm … −30 dBm). */
export function rfPercentFromDbm(dbm) {
  return isNum(dbm) ? clampMeter(((dbm + 100) / 70) * 100) : null;
}

/** An audio level in dBFS as a 0–100 meter (−60 dBFS … 0 dBFS). */
export function audioPercentFromDbfs(dbfs) {
  return isNum(dbfs) ? clampMeter(((dbfs + 60) / 60) * 100) : null;
}

/**
 * When the pack runs out: the integration's estimate (`runout_at`, from the
 * reported runtime or the observed discharge), else now + reported runtime.
 */
export function runoutAt(channel, now = Date.now()) {
  if (!channel || channel.tx_on === false) return null;
  if (typeof channel.runout_at === "string") {
    const parsed = Date.parse(channel.runout_at);
    if (Number.isFinite(parsed)) return new Date(parsed);
  }
  if (isNum(channel.battery_runtime_min) && channel.battery_runtime_min >= 0) {
    return new Date(now + channel.battery_runtime_min * 60000);
  }
  return null;
}

/**
 * The show's end ("21:30") as the next such moment: today, or tomorrow
 * when today's is more than 12 hours past.  Null for no or a bad time.
 */
export function showEnd(text, now = Date.now()) {
  const match = typeof text === "string" ? /^(\d{1,2}):(\d{2})$/.exec(text.trim()) : null;
  if (!match || Number(match[1]) > 23 || Number(match[2]) > 59) return null;
  const end = new Date(now);
  end.setHours(Number(match[1]), Number(match[2]), 0, 0);
  if (end.getTime() < now - 12 * 3600 * 1000) end.setDate(end.getDate() + 1);
  return end;
}

/** A time of day as "21:45". */
export function formatClock(date) {
  return `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`;
}

/** The "runs out" line of a tile: {text, short} where short means before the show ends. */
export function lastsText(channel, end, now = Date.now()) {
  const runout = runoutAt(channel, now);
  if (!runout) return null;
  return { text: `OUT ${formatClock(runout)}`, short: !!end && runout.getTime() < end.getTime() };
}

/** The picture of the Home Assistant person whose name is the performer's; null if none. */
export function personPicture(hass, performer) {
  if (!hass || !hass.states || typeof performer !== "string" || !performer.trim()) return null;
  const wanted = performer.trim().toLowerCase();
  for (const [entityId, state] of Object.entries(hass.states)) {
    if (!entityId.startsWith("person.") || !state || !state.attributes) continue;
    const name = state.attributes.friendly_name;
    if (typeof name === "string" && name.trim().toLowerCase() === wanted) {
      return state.attributes.entity_picture || null;
    }
  }
  return null;
}

/** Columns for `count` tiles filling a width × height screen with tiles near 16:10. */
export function tvColumns(count, width = 1920, height = 1080) {
  let best = 1;
  let bestScore = Infinity;
  for (let cols = 1; cols <= Math.max(1, count); cols += 1) {
    const rows = Math.ceil(count / cols);
    const ratio = width / cols / (height / rows);
    const score = Math.abs(Math.log(ratio / 1.6));
    if (score < bestScore) {
      best = cols;
      bestScore = score;
    }
  }
  return best;
}

/** Group 1–9 of the config (0 = all); null when there is no such group. */
export function groupAt(config, number) {
  if (!config || !Array.isArray(config.groups) || number < 1) return null;
  return config.groups[number - 1] || null;
}

/** A key press's group number: "1"–"9" → 1–9, "0" → 0; null for any other key. */
export function groupKey(key) {
  return /^[0-9]$/.test(key) ? Number(key) : null;
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
export function resolveSlots(config, receivers, group = 0) {
  const chosen = groupAt(config, group);
  if (chosen) return resolveSlots({ filter: "list", slots: chosen.slots || [] }, receivers);
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
  // Offline slots (devices without a network port) follow whatever is listed.
  const offline = ((config && config.offline) || []).map((_, index) => ({
    key: `${OFFLINE_PREFIX}:${index + 1}`,
    entryId: OFFLINE_PREFIX,
    channel: index + 1,
  }));
  if (filter === "list") {
    const listed = (config.slots || []).map((item) => {
      const parsed = parseSlot(item);
      return parsed ? { key: `${parsed.entryId}:${parsed.channel}`, ...parsed } : null;
    });
    return [...listed, ...offline];
  }
  if (filter === "receiver") {
    return all.filter((item) => item.receiver.entry_id === config.receiver).map(slot);
  }
  if (filter === "area") {
    return all
      .filter((item) => channelArea(item.channel, item.receiver) === config.area)
      .map(slot);
  }
  return [...all.map(slot), ...offline];
}

/** The channel-like data of an offline slot ("offline:N"); null when not configured. */
export function offlineChannel(config, number) {
  const item = config && Array.isArray(config.offline) ? config.offline[number - 1] : null;
  if (!item) return null;
  return {
    channel: number,
    offline_slot: true,
    name: [item.id, item.name].filter(Boolean).join(" ") || `Offline ${number}`,
    performer: item.performer || null,
  };
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
  const colours = config.battery_colours || "bars";
  if (!BATTERY_COLOURS.includes(colours)) {
    throw new Error(`battery_colours must be one of ${BATTERY_COLOURS.join(", ")}`);
  }
  if (config.groups !== undefined && !Array.isArray(config.groups)) {
    throw new Error("groups must be a list of {name, slots}");
  }
  if (config.offline !== undefined && !Array.isArray(config.offline)) {
    throw new Error("offline must be a list of {id, name, performer}");
  }
  if (config.show_end !== undefined && config.show_end !== "" && !showEnd(config.show_end)) {
    throw new Error("show_end must be a time like 21:30");
  }
  return {
    ...config,
    filter,
    size,
    battery_colours: colours,
    groups: (config.groups || []).slice(0, 9).map((group, index) => ({
      name: (group && group.name) || `Group ${index + 1}`,
      slots: Array.isArray(group && group.slots) ? group.slots.map((slot) => (parseSlot(slot) ? slot : null)) : [],
    })),
    offline: (config.offline || []).filter((item) => item && typeof item === "object"),
    show_charts: config.show_charts !== false,
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
    this.memory = new BatteryMemory();
    this.history = new Map();
    this.peaks = new Map();
    this.seeded = false;
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
    this._observe(change);
    if (change.structure && event.type === "snapshot") {
      this.loaded = true;
      this.online = true;
      this.error = null;
      this._waitingSince = null;
      clearTimeout(this._timer);
    }
    this._emit(event, change);
  }

  /** Battery memory, chart samples and clips of what changed. */
  _observe(change, now = Date.now()) {
    const look = (receiver, channel, metered) => {
      const key = `${receiver.entry_id}:${channel.channel}`;
      this.memory.note(key, channel, now);
      if (metered && metering(receiver) && channel.tx_on !== false) {
        if (!this.history.has(key)) this.history.set(key, []);
        addSample(this.history.get(key), now, channel.rf_meter, channel.audio_meter);
      }
      if (clipping(channel)) this.peaks.set(key, now);
    };
    if (change.channel !== undefined) {
      const receiver = this.receivers.get(change.entryId);
      const channel = findChannel(receiver, change.channel);
      if (channel) look(receiver, channel, change.meter);
      return;
    }
    for (const receiver of this.receivers.values()) {
      if (change.entryId && receiver.entry_id !== change.entryId) continue;
      for (const channel of receiver.channels || []) look(receiver, channel, false);
    }
  }

  /**
   * Fill the charts with the last minute of the RF and audio entities'
   * recorded states (once per stream), so a chart is never empty.
   */
  async seed(hass, now = Date.now()) {
    if (this.seeded || !hass || typeof hass.callWS !== "function" || !hass.entities) return;
    const wanted = new Map();
    const byDevice = new Map();
    for (const receiver of this.receivers.values()) {
      for (const channel of receiver.channels || []) {
        if (channel.device_id) byDevice.set(channel.device_id, `${receiver.entry_id}:${channel.channel}`);
      }
    }
    for (const entity of Object.values(hass.entities)) {
      const key = entity && byDevice.get(entity.device_id);
      if (!key || entity.platform !== "micboard") continue;
      if (entity.translation_key === "rf_level") wanted.set(entity.entity_id, [key, "rf"]);
      if (entity.translation_key === "audio_level") wanted.set(entity.entity_id, [key, "audio"]);
    }
    if (!wanted.size) return;
    this.seeded = true;
    let result;
    try {
      result = await hass.callWS({
        type: "history/history_during_period",
        start_time: new Date(now - CHART_MS).toISOString(),
        end_time: new Date(now).toISOString(),
        entity_ids: [...wanted.keys()],
        minimal_response: true,
        no_attributes: true,
        include_start_time_state: true,
      });
    } catch (err) {
      this.seeded = false;
      return;
    }
    const recorded = new Map();
    for (const [entityId, states] of Object.entries(result || {})) {
      const [key, field] = wanted.get(entityId) || [];
      if (!key || !Array.isArray(states)) continue;
      const list = recorded.get(key) || [];
      for (const item of states) {
        const value = Number(item.s);
        const at = Math.max(now - CHART_MS, Math.round(Number(item.lu ?? item.lc ?? 0) * 1000));
        if (!Number.isFinite(value)) continue;
        list.push({ t: at, field, value: field === "rf" ? rfPercentFromDbm(value) : audioPercentFromDbfs(value) });
      }
      recorded.set(key, list);
    }
    for (const [key, list] of recorded) {
      list.sort((a, b) => a.t - b.t);
      const samples = [];
      let rf = null;
      let audio = null;
      for (const item of list) {
        if (item.field === "rf") rf = item.value;
        else audio = item.value;
        addSample(samples, item.t, rf, audio);
      }
      if (samples.length) addSample(samples, now - 1, rf, audio);
      const live = (this.history.get(key) || []).filter((sample) => sample.t >= now);
      this.history.set(key, [...samples, ...live]);
    }
    this._emit({ type: "history" });
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
.names {
  display: flex; align-items: baseline; gap: 3cqi; min-width: 0;
  font-size: clamp(15px, 10cqi, 60px); font-weight: 700; line-height: 1.05;
}
.names .id {
  font-weight: 800; padding: 0.6cqi 2cqi; border-radius: 1.6cqi; background: rgba(0, 0, 0, 0.3);
  white-space: nowrap;
}
.names .id[hidden] { display: none; }
.names .name { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; opacity: 0.92; }
.performer {
  font-size: clamp(19px, 15cqi, 90px); font-weight: 800; line-height: 1.05;
  overflow-wrap: anywhere;
}
.face {
  position: absolute; right: 5cqi; top: 18cqi; width: 22cqi; height: 22cqi; border-radius: 50%;
  background: center / cover no-repeat; display: none; box-shadow: 0 0 0 0.8cqi rgba(0, 0, 0, 0.35);
}
.tile[data-face="true"] .face { display: block; }
.tile[data-face="true"] .performer { padding-right: 26cqi; }
.tile { cursor: pointer; }
.tile.previous .bars i.on {
  opacity: 0.9;
  background: repeating-linear-gradient(135deg, currentColor 0 3px, transparent 3px 6px);
}
.tile.previous[data-last-battery="good"] { background: #1f5fae; }
.tile.previous[data-last-battery="low"] { background: repeating-linear-gradient(135deg, #545a61 0 14px, #8a6a10 14px 28px); }
.tile.previous[data-last-battery="critical"] { background: repeating-linear-gradient(135deg, #545a61 0 14px, #7a1c17 14px 28px); }
.tile.peak { animation: peak 0.5s ease-in-out infinite alternate; }
@keyframes peak { from { box-shadow: inset 0 0 0 0 #ff2d2d; } to { box-shadow: inset 0 0 0 7px #ff2d2d; filter: brightness(1.35); } }
.tile.short .lasts { background: #f0a202; color: #16120a; }
.lasts {
  font-size: clamp(12px, 8cqi, 46px); font-weight: 700; line-height: 1.1; white-space: nowrap;
  font-variant-numeric: tabular-nums; padding: 0.4cqi 1.6cqi; border-radius: 1.4cqi; background: rgba(0, 0, 0, 0.3);
}
.lasts[hidden] { display: none; }
.dots { display: flex; gap: 0.8cqi; }
.dots[hidden] { display: none; }
.dots i { width: 2.6cqi; height: 2.6cqi; border-radius: 50%; background: rgba(255, 255, 255, 0.2); }
.dots i.on { background: #5cc8ff; }
.chip.lock { background: rgba(0, 0, 0, 0.5); }
.chart {
  width: 100%; height: clamp(22px, 14cqi, 70px); display: block;
  background: rgba(0, 0, 0, 0.3); border-radius: 2cqi;
}
.chart polyline { fill: none; stroke-width: 1.2; vector-effect: non-scaling-stroke; }
.chart .rfline { stroke: #e9f6ff; }
.chart .audioline { stroke: #22c55e; }
.foot .offset { opacity: 0.85; }
.groups { display: flex; flex-wrap: wrap; gap: 6px; flex: 1; justify-content: center; }
.groups[hidden] { display: none; }
.header button {
  font: inherit; font-size: 14px; font-weight: 700; padding: 5px 10px; border-radius: 6px;
  border: 1px solid #2f353c; background: #15191e; color: #dfe4ea; cursor: pointer;
}
.header .tab[aria-pressed="true"] { background: #dfe4ea; color: #0a0c0f; }
.size-tv .header button { font-size: 22px; }
.dialog[hidden] { display: none; }
.backdrop { position: fixed; inset: 0; background: rgba(0, 0, 0, 0.55); z-index: 20; }
.panel {
  position: fixed; z-index: 21; left: 50%; top: 50%; transform: translate(-50%, -50%);
  width: min(440px, calc(100vw - 24px)); max-height: calc(100vh - 24px); overflow: auto;
  background: var(--card-background-color, #1c1f24); color: var(--primary-text-color, #f3f5f7);
  border-radius: 16px; padding: 16px; box-sizing: border-box;
}
@media (max-width: 600px) {
  .panel { left: 0; right: 0; top: auto; bottom: 0; transform: none; width: 100vw; border-radius: 16px 16px 0 0; }
}
.dhead { display: flex; justify-content: space-between; align-items: center; gap: 8px; }
.dtitle { font-size: 20px; font-weight: 700; }
.values { margin: 12px 0; }
.drow { display: flex; justify-content: space-between; gap: 12px; padding: 6px 0;
  border-bottom: 1px solid var(--divider-color, #2f353c); font-size: 15px; }
.drow dt { opacity: 0.7; }
.drow dd { margin: 0; text-align: right; font-weight: 600; }
.dactions { display: flex; flex-wrap: wrap; gap: 8px; }
.panel button {
  font: inherit; font-size: 15px; padding: 10px 14px; border-radius: 8px; cursor: pointer;
  border: 1px solid var(--divider-color, #2f353c); background: transparent; color: inherit;
}

/* TV: every tile on one screen, text sized by the tile's height too. */
.size-tv .grid {
  grid-template-columns: repeat(var(--cols, 4), minmax(0, 1fr));
  grid-template-rows: repeat(var(--rows, 4), minmax(0, 1fr));
  gap: 8px; height: calc(100vh - 76px);
}
.size-tv .tile, .size-tv .spacer { container-type: size; overflow: hidden; min-height: 0; }
.size-tv .inner { gap: 2cqh; padding: 3cqh 4cqi; height: 100%; box-sizing: border-box; }
.size-tv .slot { font-size: min(14cqh, 10cqi); }
.size-tv .chip { font-size: min(8cqh, 5cqi); }
.size-tv .names { font-size: min(12cqh, 8cqi); }
.size-tv .performer { font-size: min(17cqh, 11cqi); }
.size-tv .btext, .size-tv .lasts { font-size: min(11cqh, 7cqi); }
.size-tv .bars { height: min(11cqh, 7cqi); }
.size-tv .bars i { width: min(6cqh, 4.4cqi); }
.size-tv .meters, .size-tv .foot, .size-tv .where { display: none; }
.size-tv .chart { flex: 1; min-height: 0; height: auto; }
.size-tv .tile[data-face="true"] {
  background: linear-gradient(rgba(0, 0, 0, 0.25), rgba(0, 0, 0, 0.55)), var(--face), var(--bg);
  background-size: cover; background-position: center;
}
.size-tv .tile[data-face="true"] .face { display: none; }
.size-tv .tile[data-face="true"] .performer { padding-right: 0; }
:host(.kiosk) { position: fixed; inset: 0; z-index: 8; }
:host(.kiosk) ha-card { border-radius: 0; height: 100vh; }
.kiosk.board { height: 100vh; box-sizing: border-box; padding: 8px; display: flex; flex-direction: column; }
.kiosk.board .grid { flex: 1; min-height: 0; height: auto; }
:host(:fullscreen) .board { height: 100vh; box-sizing: border-box; display: flex; flex-direction: column; }
:host(:fullscreen) .grid { flex: 1; min-height: 0; height: auto; }
:host(:fullscreen) ha-card { height: 100vh; border-radius: 0; }
.performer[hidden] { display: none; }
.battery { display: flex; flex-wrap: wrap; align-items: center; gap: 1.5cqi 3cqi; min-height: 8cqi; }
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

const SVG = "http://www.w3.org/2000/svg";

/** One channel tile: builds its elements once, then updates them in place. */
class Tile {
  constructor(slot, number) {
    this.slot = slot;
    this.state = null;
    this.peakTimer = null;
    const root = (this.root = el("div", "tile"));
    root.dataset.key = slot.key;
    root.dataset.channel = String(slot.channel);
    root.tabIndex = 0;
    root.setAttribute("role", "button");
    this.face = el("div", "face");
    const inner = el("div", "inner");
    const top = el("div", "top");
    this.number = el("span", "slot", String(number));
    this.chips = el("div", "chips");
    this.muteChip = el("span", "chip muted", "MUTED");
    this.stateChip = el("span", "chip state");
    this.alertChip = el("span", "chip alert");
    this.quietChip = el("span", "chip quiet", "ALERTS OFF");
    this.lockChip = el("span", "chip lock", "LOCKED");
    this.chips.append(this.stateChip, this.muteChip, this.lockChip, this.alertChip, this.quietChip);
    top.append(this.number, this.chips);
    const names = el("div", "names");
    this.id = el("span", "id");
    this.name = el("span", "name");
    names.append(this.id, this.name);
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
    this.lasts = el("span", "lasts");
    this.btext.append(this.percent, this.runtime);
    battery.append(this.bars, this.btext, this.lasts);
    this.meters = el("div", "meters");
    const rf = (this.rfRow = el("div", "meter rf"));
    this.antA = el("b", "", "A");
    this.antB = el("b", "", "B");
    const ant = (this.ant = el("span", "ant"));
    ant.append(this.antA, this.antB);
    const rfTrack = el("div", "track");
    this.rfFill = el("div", "fill");
    rfTrack.append(this.rfFill);
    this.dots = el("span", "dots");
    this.dotItems = [];
    for (let i = 0; i < 5; i += 1) {
      const dot = el("i");
      this.dotItems.push(dot);
      this.dots.append(dot);
    }
    rf.append(el("span", "mlabel", "RF"), ant, rfTrack, this.dots);
    const audio = (this.audioRow = el("div", "meter audio"));
    const audioTrack = el("div", "track");
    this.audioCover = el("div", "cover");
    audioTrack.append(this.audioCover);
    audio.append(el("span", "mlabel", "AUD"), audioTrack);
    this.stereo = [];
    const stereoRows = ["L", "R"].map((side) => {
      const row = el("div", "meter audio stereo");
      const track = el("div", "track");
      const cover = el("div", "cover");
      track.append(cover);
      row.append(el("span", "mlabel", side), track);
      this.stereo.push(cover);
      return row;
    });
    this.stereoRows = stereoRows;
    this.meters.append(rf, audio, ...stereoRows);
    this.chart = document.createElementNS(SVG, "svg");
    this.chart.setAttribute("class", "chart");
    this.chart.setAttribute("viewBox", "0 0 100 30");
    this.chart.setAttribute("preserveAspectRatio", "none");
    this.rfLine = document.createElementNS(SVG, "polyline");
    this.rfLine.setAttribute("class", "rfline");
    this.audioLine = document.createElementNS(SVG, "polyline");
    this.audioLine.setAttribute("class", "audioline");
    this.chart.append(this.rfLine, this.audioLine);
    const foot = el("div", "foot");
    this.freq = el("span", "freq");
    this.offset = el("span", "offset");
    this.txmodel = el("span", "txmodel");
    foot.append(this.freq, this.offset, this.txmodel);
    this.where = el("div", "where");
    inner.append(top, names, this.performer, battery, this.meters, this.chart, foot, this.where);
    root.append(this.face, inner);
  }

  /** Everything: names, battery, state, meters. `view` carries the card's options and memory. */
  update(channel, receiver, view) {
    this.view = view;
    const config = view.config;
    const root = this.root;
    const offlineSlot = !!(channel && channel.offline_slot);
    setAttr(root, "data-model", offlineSlot ? "offline" : receiver ? receiver.model : "");
    const full = (channel && (channel.name || channel.device_name)) || `CH ${this.slot.channel}`;
    const split = splitName(full);
    setText(this.id, split.id || "");
    this.id.hidden = !split.id;
    setText(this.name, split.id ? split.name : full);
    const performer = channel && channel.performer;
    setText(this.performer, performer || "");
    this.performer.hidden = !performer;
    const picture = personPicture(view.hass, performer);
    setAttr(root, "data-face", picture ? "true" : "false");
    const image = picture ? `url("${String(picture).replace(/"/g, "%22")}")` : "";
    this.face.style.backgroundImage = image;
    root.style.setProperty("--face", image || "none");
    // An offline receiver's battery readings are stale: show none.
    const offline = offlineSlot || !receiver || receiver.connected === false;
    let bars = offline ? null : batteryBars(channel);
    const remembered =
      !offline && channel && channel.tx_on === false ? view.memory.get(this.slot.key, view.now) : null;
    if (remembered) bars = remembered.bars;
    this.segments.forEach((segment, index) => {
      segment.classList.toggle("on", bars !== null && index < bars);
    });
    root.classList.toggle("previous", !!remembered);
    setAttr(root, "data-last-battery", remembered ? remembered.status : "");
    // No battery at all (an in-ear transmitter, an offline slot): no empty gauge either.
    this.bars.hidden = offlineSlot || (bars === null && !!channel && channel.tx_on === true);
    this.ant.hidden = !(receiver && ANTENNA_FAMILIES.has(receiver.family));
    setAttr(root, "data-battery", bars === null ? "" : bars);
    let text = offline ? { percent: null, runtime: null } : batteryText(channel);
    if (remembered) {
      text = {
        percent: remembered.percent === null ? `${remembered.bars}/5` : `${Math.round(remembered.percent)}%`,
        runtime: formatAge(view.now - remembered.at),
      };
    }
    setText(this.percent, text.percent);
    setText(this.runtime, text.runtime);
    const lasts = offline ? null : lastsText(channel, view.end, view.now);
    setText(this.lasts, lasts ? lasts.text : "");
    this.lasts.hidden = !lasts;
    root.classList.toggle("short", !!(lasts && lasts.short));
    setAttr(root, "data-runout", lasts ? lasts.text : "");
    const freq = channel && !offlineSlot ? formatFrequency(channel.frequency_mhz) : null;
    setText(this.freq, freq ? `${freq} MHz` : "");
    const live = channel && channel.tx_on !== false;
    setText(this.offset, live ? formatOffset(channel.tx_offset_db) || "" : "");
    setText(this.txmodel, (live && channel.tx_model) || "");
    const rxName = offlineSlot
      ? "No network"
      : receiver
        ? receiver.name || receiver.model
        : "Unknown receiver";
    setText(this.where, offlineSlot ? rxName : `${rxName} · CH ${this.slot.channel}`);
    this.lockChip.hidden = !(live && powerLocked(channel));
    this.meters.hidden = !config.show_meters || offlineSlot;
    // In-ear transmitters report no RF level: no empty RF bar for them.
    this.rfRow.hidden = !!channel && !isNum(channel.rf_meter) && !isNum(channel.rf_level_dbm);
    const quality = qualityDots(channel);
    this.dots.hidden = !quality;
    this.dotItems.forEach((dot, index) => dot.classList.toggle("on", !!quality && index < quality.lit));
    setAttr(root, "data-quality", quality ? quality.lit : "");
    this.quietChip.hidden = !(channel && channel.alerts_enabled === false);
    this.updateMeters(channel, receiver);
  }

  /** Meters, chart and antennas only; the state too, as RF loss depends on them. */
  updateMeters(channel, receiver) {
    const view = this.view;
    const state = tileState(channel, receiver, view.config.battery_colours);
    const live =
      !["offline", "tx_off", "unassigned"].includes(state.state) && metering(receiver);
    const rf = live && channel && isNum(channel.rf_meter) ? clampMeter(channel.rf_meter) : 0;
    const audio =
      live && channel && isNum(channel.audio_meter) ? clampMeter(channel.audio_meter) : 0;
    const antenna = (live && channel && channel.antenna) || "";
    this.rfFill.style.width = `${rf}%`;
    this.audioCover.style.width = `${100 - audio}%`;
    const stereo = live ? stereoMeters(channel) : null;
    this.stereoRows.forEach((row) => (row.hidden = !stereo));
    this.audioRow.hidden = !!stereo;
    if (stereo) this.stereo.forEach((cover, index) => (cover.style.width = `${100 - stereo[index]}%`));
    this.antA.classList.toggle("on", antenna.includes("A"));
    this.antB.classList.toggle("on", antenna.includes("B"));
    setAttr(this.root, "data-rf", rf);
    setAttr(this.root, "data-audio", audio);
    setAttr(this.root, "data-antenna", antenna);
    this.drawChart();
    const peakAt = view.feed ? view.feed.peaks.get(this.slot.key) : undefined;
    this.setPeak(live && peakAt !== undefined ? peakAt + PEAK_MS - Date.now() : 0);
    this.applyState(state);
  }

  drawChart() {
    const view = this.view;
    const hidden = !view.config.show_charts || !view.feed || this.slot.entryId === OFFLINE_PREFIX;
    this.chart.style.display = hidden ? "none" : "";
    if (hidden) return;
    const samples = view.feed.history.get(this.slot.key) || [];
    const now = Date.now();
    const rf = chartPoints(samples, "rf", now);
    const audio = chartPoints(samples, "audio", now);
    this.rfLine.setAttribute("points", rf);
    this.audioLine.setAttribute("points", audio);
    setAttr(this.root, "data-chart-points", rf ? rf.split(" ").length : 0);
  }

  /** Pulse for `ms` more milliseconds (0 stops). */
  setPeak(ms) {
    const on = ms > 0;
    if (this.root.classList.contains("peak") === on && !on) return;
    this.root.classList.toggle("peak", on);
    clearTimeout(this.peakTimer);
    if (on) this.peakTimer = setTimeout(() => this.root.classList.remove("peak"), ms);
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
    this._group = 0;
    this._faces = "";
    this._ticker = null;
    this._dialogKey = null;
    this._listener = (event, feed, change) => this._onEvent(event, feed, change);
    this._onKey = (event) => this._key(event);
    this._onResize = () => this._fit();
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
    if (this._group > this._config.groups.length) this._group = 0;
    this._build();
    this._refresh();
  }

  set hass(hass) {
    this._hass = hass;
    this._attach();
    const faces = facesSignature(hass);
    if (faces !== this._faces) {
      this._faces = faces;
      this._refresh();
    }
  }

  get hass() {
    return this._hass;
  }

  /** The group shown: 0 = the card's channels, 1–9 = a configured group. */
  get group() {
    return this._group;
  }

  /** Show group `number` (0 = all); ignored when there is no such group. */
  selectGroup(number) {
    if (number !== 0 && !groupAt(this._config, number)) return false;
    this._group = number;
    this._refresh();
    return true;
  }

  connectedCallback() {
    this._attach();
    window.addEventListener("keydown", this._onKey);
    window.addEventListener("resize", this._onResize);
    clearInterval(this._ticker);
    this._ticker = setInterval(() => this._refresh(), 15000);
  }

  disconnectedCallback() {
    this._detach();
    window.removeEventListener("keydown", this._onKey);
    window.removeEventListener("resize", this._onResize);
    clearInterval(this._ticker);
    this._ticker = null;
  }

  getCardSize() {
    const tiles = this._feed ? resolveSlots(this._config, this._feed.receivers, this._group).length : 4;
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

  /** Keys as in Micboard: 1–9 groups, 0 all, f fullscreen; Escape closes the details. */
  _key(event) {
    if (!this._config || event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    const path = typeof event.composedPath === "function" ? event.composedPath() : [];
    const target = path[0] || event.target;
    const tag = target && target.tagName ? target.tagName.toLowerCase() : "";
    if (["input", "textarea", "select"].includes(tag) || (target && target.isContentEditable)) return;
    if (event.key === "Escape" && this._dialogKey) {
      this._closeDialog();
      return;
    }
    const number = groupKey(event.key);
    if (number !== null) {
      this.selectGroup(number);
      return;
    }
    if (event.key === "f" || event.key === "F") this.toggleFullscreen();
  }

  toggleFullscreen() {
    const doc = this.ownerDocument;
    if (doc.fullscreenElement) {
      if (typeof doc.exitFullscreen === "function") doc.exitFullscreen().catch(() => {});
    } else if (typeof this.requestFullscreen === "function") {
      Promise.resolve(this.requestFullscreen()).catch(() => {});
    }
  }

  _build() {
    if (!this._config) return;
    const root = this.shadowRoot;
    root.textContent = "";
    const style = el("style");
    style.textContent = CARD_STYLE;
    const card = el("ha-card");
    const kiosk = this._config.kiosk === true;
    this.classList.toggle("kiosk", kiosk);
    this._board = el("div", `board size-${this._config.size}${kiosk ? " kiosk" : ""}`);
    const header = el("div", "header");
    this._title = el("div", "title", this._config.title || "");
    this._groups = el("div", "groups");
    this._status = el("div", "status");
    const full = button("Full screen", "Fullscreen (f)", () => this.toggleFullscreen());
    full.className = "full";
    header.append(this._title, this._groups, this._status, full);
    this._message = el("div", "message");
    this._grid = el("div", "grid");
    this._grid.addEventListener("click", (event) => this._tileClicked(event));
    this._grid.addEventListener("keydown", (event) => {
      if (event.key === "Enter") this._tileClicked(event);
    });
    this._dialog = el("div", "dialog");
    this._dialog.hidden = true;
    this._board.append(header, this._message, this._grid);
    card.append(this._board, this._dialog);
    root.append(style, card);
    this._tiles = new Map();
    this._layout = null;
    this._groupsLayout = null;
  }

  _view() {
    return {
      config: this._config,
      hass: this._hass,
      feed: this._feed,
      memory: this._feed ? this._feed.memory : new BatteryMemory(),
      now: Date.now(),
      end: showEnd(this._config.show_end),
    };
  }

  _channelFor(slot, receivers) {
    if (slot.entryId === OFFLINE_PREFIX) return [offlineChannel(this._config, slot.channel), null];
    const receiver = receivers.get(slot.entryId);
    return [findChannel(receiver, slot.channel), receiver];
  }

  _onEvent(event, feed, change) {
    if (!this._config || feed !== this._feed) return;
    if (event.type === "snapshot" && this._hass) feed.seed(this._hass);
    if (event.type === "status" || event.type === "sync" || event.type === "history" || !change || change.structure) {
      this._refresh();
      return;
    }
    const view = this._view();
    const receiver = feed.receivers.get(change.entryId);
    if (change.channel === undefined) {
      // Receiver-wide (link lost, meter rate …): every tile of that receiver.
      for (const [key, tiles] of this._tiles) {
        if (!key.startsWith(`${change.entryId}:`)) continue;
        const channel = findChannel(receiver, tiles[0].slot.channel);
        for (const tile of tiles) tile.update(channel, receiver, view);
      }
      this._updateDialog();
      return;
    }
    const key = `${change.entryId}:${change.channel}`;
    const tiles = this._tiles.get(key);
    if (!tiles) return;
    const channel = findChannel(receiver, change.channel);
    for (const tile of tiles) {
      if (change.meter && tile.view) tile.updateMeters(channel, receiver);
      else tile.update(channel, receiver, view);
    }
    if (key === this._dialogKey) this._updateDialog();
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
    this._renderGroups();
    const receivers = feed ? feed.receivers : new Map();
    const slots = resolveSlots(this._config, receivers, this._group);
    if (!message && feed && feed.loaded && !slots.length) {
      message = receivers.size
        ? "No channels match this card's filter."
        : "No Micboard receivers are set up yet.";
    }
    setText(this._message, message);
    this._message.hidden = !message;
    const layout = `${this._group}#${slots.map((slot) => (slot ? slot.key : "-")).join("|")}`;
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
      this._count = nodes.length;
      this._fit();
    }
    const view = this._view();
    for (const tiles of this._tiles.values()) {
      for (const tile of tiles) {
        const [channel, receiver] = this._channelFor(tile.slot, receivers);
        tile.update(channel, receiver, view);
      }
    }
    this._updateDialog();
  }

  /** TV size: as many columns as fill the screen with every tile at once. */
  _fit() {
    if (!this._config || !this._grid || this._config.size !== "tv") return;
    const width = (this.ownerDocument.defaultView || window).innerWidth || 1920;
    const height = (this.ownerDocument.defaultView || window).innerHeight || 1080;
    const count = Math.max(1, this._count || 1);
    const cols = tvColumns(count, width, height);
    this._board.style.setProperty("--cols", String(cols));
    this._board.style.setProperty("--rows", String(Math.ceil(count / cols)));
  }

  _renderGroups() {
    const groups = this._config.groups;
    const layout = `${this._group}#${groups.map((group) => group.name).join("|")}`;
    if (layout === this._groupsLayout) return;
    this._groupsLayout = layout;
    this._groups.hidden = !groups.length;
    const tabs = [["0", "All"], ...groups.map((group, index) => [String(index + 1), group.name])];
    this._groups.replaceChildren(
      ...tabs.map(([key, name]) => {
        const tab = button(`${key} ${name}`, `Show ${name} (key ${key})`, () => this.selectGroup(Number(key)));
        tab.className = "tab";
        tab.dataset.group = key;
        tab.setAttribute("aria-pressed", Number(key) === this._group ? "true" : "false");
        return tab;
      })
    );
  }

  // ------------------------------------------------------------ the details dialog

  _tileClicked(event) {
    const path = typeof event.composedPath === "function" ? event.composedPath() : [];
    const tile = path.find((node) => node.classList && node.classList.contains("tile"));
    if (!tile) return;
    this.openDetails(tile.dataset.key);
  }

  /** Open the details of a slot (a tap on its tile). */
  openDetails(key) {
    this._dialogKey = key;
    this._dialog.hidden = false;
    this._updateDialog(true);
  }

  _closeDialog() {
    this._dialogKey = null;
    this._dialog.hidden = true;
    this._dialog.replaceChildren();
  }

  _updateDialog(build = false) {
    const key = this._dialogKey;
    if (!key || !this._dialog) return;
    const slot = parseSlot(key);
    const receivers = this._feed ? this._feed.receivers : new Map();
    const [channel, receiver] = slot ? this._channelFor({ ...slot, key }, receivers) : [null, null];
    const panel = build ? null : this._dialog.querySelector(".panel");
    const rows = detailRows(channel, receiver, this._view(), key);
    if (panel) {
      const body = panel.querySelector(".values");
      body.replaceChildren(...rows.map(([label, value]) => detailRow(label, value)));
      return;
    }
    const surface = el("div", "panel");
    surface.setAttribute("role", "dialog");
    surface.setAttribute("aria-modal", "true");
    const head = el("div", "dhead");
    const name = channel ? channel.name || channel.device_name || key : key;
    const close = button("✕", "Close", () => this._closeDialog());
    close.className = "close";
    head.append(el("div", "dtitle", name), close);
    const values = el("dl", "values");
    values.append(...rows.map(([label, value]) => detailRow(label, value)));
    const actions = el("div", "dactions");
    const entities = channelEntities(this._hass, channel && channel.device_id);
    if (entities.alerts) {
      const on = !(channel && channel.alerts_enabled === false);
      actions.append(
        button(on ? "Turn alerts off" : "Turn alerts on", "Alerts on/off", () =>
          this._hass.callService("switch", on ? "turn_off" : "turn_on", { entity_id: entities.alerts })
        )
      );
    }
    if (entities.identify) {
      actions.append(
        button("Identify", "Identify", () =>
          this._hass.callService("button", "press", { entity_id: entities.identify })
        )
      );
    }
    if (entities.any) {
      actions.append(
        button("More info", "More info", () =>
          this.dispatchEvent(
            new CustomEvent("hass-more-info", {
              detail: { entityId: entities.any },
              bubbles: true,
              composed: true,
            })
          )
        )
      );
    }
    surface.append(head, values, actions);
    const backdrop = el("div", "backdrop");
    backdrop.addEventListener("click", () => this._closeDialog());
    this._dialog.replaceChildren(backdrop, surface);
  }
}

/** The person pictures the board depends on, as one string (changes → redraw). */
function facesSignature(hass) {
  if (!hass || !hass.states) return "";
  return Object.keys(hass.states)
    .filter((id) => id.startsWith("person."))
    .map((id) => {
      const attributes = hass.states[id].attributes || {};
      return `${attributes.friendly_name}=${attributes.entity_picture || ""}`;
    })
    .join("|");
}

/** A channel device's alerts switch, identify button and any entity (for more-info). */
export function channelEntities(hass, deviceId) {
  const found = { alerts: null, identify: null, any: null };
  if (!hass || !hass.entities || !deviceId) return found;
  for (const entity of Object.values(hass.entities)) {
    if (!entity || entity.device_id !== deviceId) continue;
    const id = entity.entity_id;
    if (!found.any && id.startsWith("sensor.")) found.any = id;
    if (id.startsWith("switch.") && (entity.translation_key || id).includes("alert")) found.alerts = id;
    if (id.startsWith("button.") && (entity.translation_key || id).includes("identify")) found.identify = id;
  }
  return found;
}

/** Every value of a channel as [label, text] rows for the details dialog. */
export function detailRows(channel, receiver, view, key) {
  if (!channel) return [["Channel", key]];
  const state = tileState(channel, receiver, view.config.battery_colours);
  const battery = batteryText(channel);
  const lasts = lastsText(channel, view.end, view.now);
  const quality = qualityDots(channel);
  const rows = [
    ["State", state.label],
    ["Performer", channel.performer || "—"],
    ["Contact", channel.contact || "—"],
    ["Alerts", channel.alerts_enabled === false ? "Off" : "On"],
    ["Active alerts", state.alerts.length ? state.alerts.map(alertLabel).join(", ") : "None"],
    ["Battery", [battery.percent, battery.runtime].filter(Boolean).join(" · ") || "—"],
    ["Runs out", lasts ? lasts.text.replace("OUT ", "") : "—"],
    ["Frequency", channel.frequency_mhz ? `${formatFrequency(channel.frequency_mhz)} MHz` : "—"],
    ["RF", isNum(channel.rf_level_dbm) ? `${channel.rf_level_dbm} dBm` : "—"],
    ["Audio", isNum(channel.audio_level_dbfs) ? `${channel.audio_level_dbfs} dBFS` : "—"],
    ["Antenna", channel.antenna || "—"],
    ["Transmitter", channel.tx_model || "—"],
    ["TX offset", formatOffset(channel.tx_offset_db) || "—"],
    ["Link quality", quality ? `${quality.lit}/5` : "—"],
    ["Receiver", receiver ? `${receiver.name || receiver.model} · CH ${channel.channel}` : "No network"],
  ];
  return rows;
}

function detailRow(label, value) {
  const row = el("div", "drow");
  row.append(el("dt", "", label), el("dd", "", value));
  return row;
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
fieldset.group { border: 1px solid var(--divider-color, #c7ccd1); border-radius: 8px; margin: 6px 0; padding: 8px; }
.groups-editor, .offline-editor { display: flex; flex-direction: column; gap: 6px; }
.row input[type="text"] { flex: 1; min-width: 0; }
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

    if (filter === "list") {
      form.append(
        this._slotsEditor(receivers, config.slots, (next) => this._change({ slots: next }), "slot")
      );
    }

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

    const colours = select(
      "battery_colours",
      [
        ["bars", "By bars, as in Micboard (good 4–5, replace 3, critical 0–2)"],
        ["thresholds", "By the receiver's alert thresholds"],
      ],
      config.battery_colours || "bars"
    );
    colours.addEventListener("change", () => this._change({ battery_colours: colours.value }));
    form.append(field("Battery colours", colours));

    const end = el("input");
    end.type = "text";
    end.name = "show_end";
    end.placeholder = "21:30";
    end.value = config.show_end || "";
    end.addEventListener("change", () => {
      if (!end.value || showEnd(end.value)) this._change({ show_end: end.value || undefined });
    });
    form.append(field("Show ends at (packs that run out earlier turn amber)", end));

    const charts = el("input");
    charts.type = "checkbox";
    charts.name = "show_charts";
    charts.checked = config.show_charts !== false;
    charts.addEventListener("change", () => this._change({ show_charts: charts.checked }));
    const chartCheck = el("label", "check");
    chartCheck.append(charts, el("span", "", "Show the RF and audio chart"));
    form.append(chartCheck);

    const kiosk = el("input");
    kiosk.type = "checkbox";
    kiosk.name = "kiosk";
    kiosk.checked = config.kiosk === true;
    kiosk.addEventListener("change", () => this._change({ kiosk: kiosk.checked || undefined }));
    const kioskCheck = el("label", "check");
    kioskCheck.append(kiosk, el("span", "", "Kiosk: cover the whole window (no header or sidebar)"));
    form.append(kioskCheck);

    form.append(this._groupsEditor(receivers), this._offlineEditor());

    const style = el("style");
    style.textContent = EDITOR_STYLE;
    root.replaceChildren(style, form);
  }

  _groupsEditor(receivers) {
    const groups = Array.isArray(this._config.groups) ? this._config.groups.map((g) => ({ ...g })) : [];
    const wrap = el("div", "groups-editor");
    wrap.append(el("div", "hint", "Groups: keys 1–9 (0 shows all) or a tap on the group's name."));
    const save = (next) => {
      this._change({ groups: next.length ? next : undefined });
      this._render();
    };
    groups.forEach((group, index) => {
      const box = el("fieldset", "group");
      const name = el("input");
      name.type = "text";
      name.name = `group-${index}-name`;
      name.value = group.name || "";
      name.addEventListener("change", () => {
        const next = groups.map((g) => ({ ...g }));
        next[index].name = name.value;
        save(next);
      });
      const remove = button("Remove group", `Remove group ${index + 1}`, () =>
        save(groups.filter((_, i) => i !== index))
      );
      const head = el("div", "row");
      head.append(el("span", "n", String(index + 1)), name, remove);
      box.append(
        head,
        this._slotsEditor(
          receivers,
          group.slots,
          (slots) => {
            const next = groups.map((g) => ({ ...g }));
            next[index].slots = slots;
            save(next);
          },
          `group-${index}-slot`
        )
      );
      wrap.append(box);
    });
    if (groups.length < 9) {
      wrap.append(
        button("Add group", "Add group", () =>
          save([...groups, { name: `Group ${groups.length + 1}`, slots: [] }])
        )
      );
    }
    return wrap;
  }

  _offlineEditor() {
    const items = Array.isArray(this._config.offline) ? this._config.offline.map((o) => ({ ...o })) : [];
    const wrap = el("div", "offline-editor");
    wrap.append(
      el("div", "hint", "Offline slots: gear without a network port (ID, name, performer only).")
    );
    const save = (next) => {
      this._change({ offline: next.length ? next : undefined });
      this._render();
    };
    items.forEach((item, index) => {
      const row = el("div", "row");
      const inputs = ["id", "name", "performer"].map((key) => {
        const input = el("input");
        input.type = "text";
        input.name = `offline-${index}-${key}`;
        input.placeholder = key === "id" ? "ID" : key === "name" ? "Name" : "Performer";
        input.value = item[key] || "";
        input.addEventListener("change", () => {
          const next = items.map((o) => ({ ...o }));
          next[index][key] = input.value || undefined;
          save(next);
        });
        return input;
      });
      row.append(
        el("span", "n", String(index + 1)),
        ...inputs,
        button("✕", "Remove offline slot", () => save(items.filter((_, i) => i !== index)))
      );
      wrap.append(row);
    });
    wrap.append(
      button("Add offline slot", "Add offline slot", () => save([...items, { id: "", name: "" }]))
    );
    return wrap;
  }

  _slotsEditor(receivers, current, store, prefix) {
    const slots = Array.isArray(current) ? [...current] : [];
    const wrap = el("div", "slots");
    wrap.append(el("div", "hint", "Slots in order; a spacer leaves an empty place on the board."));
    const options = [["", "— spacer —"]];
    for (const rx of receivers) {
      for (const ch of rx.channels || []) {
        const name = ch.name || ch.device_name || `CH ${ch.channel}`;
        options.push([`${rx.entry_id}:${ch.channel}`, `${rx.name} · ${ch.channel} · ${name}`]);
      }
    }
    (this._config.offline || []).forEach((item, index) => {
      const name = [item.id, item.name].filter(Boolean).join(" ") || `Offline ${index + 1}`;
      options.push([`${OFFLINE_PREFIX}:${index + 1}`, `No network · ${name}`]);
    });
    const save = (next) => {
      store(next);
      this._render();
    };
    slots.forEach((slot, index) => {
      const row = el("div", "row");
      const known = options.some(([value]) => value === (slot || ""));
      const rowOptions = known ? options : [...options, [slot, `Unknown (${slot})`]];
      const picker = select(`${prefix}-${index}`, rowOptions, slot || "");
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
