/** Payloads shaped like the integration's `micboard/subscribe` events. */

export function channel(number, overrides = {}) {
  return {
    number,
    name: `CH ${number}`,
    tx_on: true,
    tx_model: "ULXD2",
    tx_muted: false,
    battery_bars: 5,
    battery_percent: 90,
    battery_runtime_min: 539,
    battery_runtime_status: null,
    frequency_mhz: 470.625,
    muted: false,
    interference: false,
    quality: null,
    rf_level_dbm: -48.0,
    rf_antenna_dbm: [-48.0],
    antenna: "A",
    audio_level_dbfs: -12.0,
    rf_meter: 70,
    audio_meter: 60,
    channel: number,
    device_id: `device-${number}`,
    device_name: `CH ${number}`,
    area_id: null,
    ...overrides,
  };
}

export function receiver(entryId, overrides = {}, channels = [channel(1), channel(2)]) {
  return {
    entry_id: entryId,
    device_id: `rx-${entryId}`,
    name: `RX ${entryId}`,
    model: "ULXD4D",
    family: "ulxd",
    area_id: null,
    connected: true,
    meter_rate_ms: 1000,
    channels,
    ...overrides,
  };
}

/**
 * A fake `hass` whose connection behaves like home-assistant-js-websocket's:
 * subscribeMessage resolves to an unsubscribe function; `deliver` sends an
 * event to every live subscription; `fire` raises connection events.
 */
export function fakeHass({ fail = null } = {}) {
  const subscriptions = [];
  const listeners = { ready: [], disconnected: [] };
  const connection = {
    subscribeMessage: async (callback, message) => {
      if (fail) throw fail;
      const subscription = { callback, message, active: true };
      subscriptions.push(subscription);
      return async () => {
        subscription.active = false;
      };
    },
    addEventListener(type, callback) {
      (listeners[type] ||= []).push(callback);
    },
    removeEventListener(type, callback) {
      listeners[type] = (listeners[type] || []).filter((item) => item !== callback);
    },
  };
  return {
    hass: { connection, areas: { stage: { area_id: "stage", name: "Main stage" } } },
    connection,
    subscriptions,
    listeners,
    active: () => subscriptions.filter((item) => item.active),
    deliver(event) {
      for (const subscription of subscriptions) {
        if (subscription.active) subscription.callback(event);
      }
    },
    fire(type) {
      for (const callback of [...(listeners[type] || [])]) callback(connection);
    },
  };
}

/** Let pending promise callbacks run (works with fake timers too). */
export async function flush() {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
}
