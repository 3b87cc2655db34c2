// A client following events that stops reading is dropped once it is MAX_STREAM_QUEUED_BYTES behind,
// told why in a last line: emitting never waits for it, and the daemon's memory stays bounded. Real
// unix sockets, real server.
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Config } from "../../src/config/schema.ts";
import { MAX_STREAM_QUEUED_BYTES } from "../../src/control/connection.ts";
import { PROTOCOL_VERSION } from "../../src/control/protocol.ts";
import { startControlServer } from "../../src/control/server.ts";
import { EventBus } from "../../src/events/event-bus.ts";
import { supervisorEvent } from "../../src/events/event.ts";
import { createLogger } from "../../src/logs/logger.ts";
import { ConfigGroups } from "../../src/supervisor/config-groups.ts";
import { Supervisor } from "../../src/supervisor/supervisor.ts";

test("a follower that stops reading is told why, then dropped, and emitting never waits for it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsvisor-slow-reader-"));
  const events = new EventBus();
  const config = { processes: [], supervisor: { sample_interval: 0 } } as unknown as Config; // the supervisor of no programs
  const supervisor = new Supervisor(config, { logger: createLogger({ debug: false }), env: {} });
  const server = await startControlServer({
    path: join(dir, "s.sock"), mode: 0o600, owner: null,
    deps: {
      supervisor, events, version: "test", reload: async () => ({ added: [], removed: [], changed: [], unchanged: [] }), reopenLogs: () => 0, shutdown: () => {},
      shuttingDown: () => false, mainLog: join(dir, "tsvisor.log"), logs: { read: () => new Uint8Array(), tail: () => ({ data: new Uint8Array(), offset: 0, overflow: false }), empty: () => false },
      groups: new ConfigGroups(config, supervisor, { load: () => config, onGroup: () => {} }),
    },
  });
  let received = 0;
  let tail = "";
  let resumed = false;
  let replied: () => void = () => {};
  const reply = new Promise<void>((resolve) => (replied = resolve));
  let closed: () => void = () => {};
  const gone = new Promise<void>((resolve) => (closed = resolve));
  const client = await Bun.connect({
    unix: server.path,
    socket: {
      open: (s) => void s.write(`${JSON.stringify({ v: PROTOCOL_VERSION, id: 1, op: "events", follow: true })}\n`),
      data: (s, chunk) => {
        received += chunk.length;
        tail = (tail + chunk.toString()).slice(-1000);
        replied();
        if (!resumed) s.pause(); // reads nothing more until the test says so
      },
      close: () => closed(),
    },
  });
  await reply;
  try {
    const event = supervisorEvent("SUPERVISOR_STATE_CHANGE_RUNNING", Date.now(), "x".repeat(1000));
    const count = Math.ceil((4 * MAX_STREAM_QUEUED_BYTES) / 1000);
    const started = performance.now();
    for (let i = 0; i < count; i++) events.emit(event);
    const perEventMs = (performance.now() - started) / count;
    resumed = true;
    client.resume();
    await gone; // the server hung up on it
    expect(received).toBeLessThan(count * 1000); // it got what was sent before it fell behind, not everything
    expect(tail.endsWith(`${JSON.stringify({ v: PROTOCOL_VERSION, id: 1, ok: false, error: { code: "FELL_BEHIND", limit: MAX_STREAM_QUEUED_BYTES } })}\n`)).toBe(true);
    expect(perEventMs).toBeLessThan(1); // no waiting: microseconds each (a generous bound, not a benchmark)
  } finally {
    client.end();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
