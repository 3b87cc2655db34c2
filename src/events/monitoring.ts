// Wires events for `tsvisor run`: every transition of the supervisor becomes an event on the bus, and
// the bus feeds hooks and supervisord-style event listeners. daemon.ts makes one and tells it when
// tsvisor itself is running and stopping.
import type { ConsolaInstance } from "consola";
import type { Config } from "../config/schema.ts";
import { onWallClockMultiples } from "../os/wall-clock-beat.ts";
import type { Supervisor } from "../supervisor/supervisor.ts";
import { EventBus } from "./event-bus.ts";
import { healthEvent, logEvent, processStateEvent, supervisorEvent, tickEvent } from "./event.ts";
import { TICK_PERIODS } from "./event-types.ts";
import { HookRunner } from "./hooks.ts";
import { ListenerPool } from "./listener-pool.ts";

export interface Monitoring {
  readonly bus: EventBus;
  /** Every autostart program has been asked to start: SUPERVISOR_STATE_CHANGE_RUNNING. */
  running(): void;
  /** tsvisor begins stopping everything: SUPERVISOR_STATE_CHANGE_STOPPING. */
  stopping(): void;
  /** Stop the event listeners and hook commands (after the programs have stopped, so they saw every event). */
  close(): Promise<void>;
}

export function startMonitoring(config: Config, supervisor: Supervisor, options: { logger: ConsolaInstance; env: Record<string, string | undefined> }): Monitoring {
  const { logger } = options;
  const bus = new EventBus(undefined, (error) => logger.warn(`event subscriber dropped: ${(error as Error).message}`));
  supervisor.onTransition((t) => bus.emit(processStateEvent(t, Date.now())));
  supervisor.onOutput((o) => bus.emit(logEvent(o, Date.now())));
  supervisor.onHealthChange((h) => bus.emit(healthEvent(h.status === "healthy" ? "HEALTH_HEALTHY" : "HEALTH_UNHEALTHY", h, Date.now(), h.error)));
  // TSVISOR_CONFIG lets a hook run `tsvisor logs NAME` on the same config (the crash-mail recipe does)
  const hooks = new HookRunner(config.hooks, { logger, env: { ...options.env, TSVISOR_CONFIG: config.file } });
  bus.subscribe((event) => hooks.handle(event));
  const listeners = Object.entries(config.eventlisteners).map(([name, listener]) => new ListenerPool(name, listener, { logger, env: options.env }));
  for (const pool of listeners) bus.subscribe((event) => pool.handle(event));
  const ticks = startTicks((period, when) => bus.emit(tickEvent(period, when)));
  let stopping = false;
  return {
    bus,
    running: () => bus.emit(supervisorEvent("SUPERVISOR_STATE_CHANGE_RUNNING", Date.now())),
    stopping() {
      if (stopping) return;
      stopping = true;
      bus.emit(supervisorEvent("SUPERVISOR_STATE_CHANGE_STOPPING", Date.now()));
    },
    async close() {
      ticks.stop();
      hooks.close();
      await Promise.all(listeners.map((pool) => pool.close()));
    },
  };
}

// supervisord's TICK_5, TICK_60 and TICK_3600: when the wall clock crosses a multiple of the period
// (supervisord's timeslice()), never at start-up itself. Due at each 5 s multiple, in the wake-up the
// sampler shares (os/wall-clock-beat.ts).
function startTicks(emit: (period: (typeof TICK_PERIODS)[number], when: number) => void): { stop(): void } {
  const slice = (period: number, seconds: number) => seconds - (seconds % period);
  const startedAt = Math.floor(Date.now() / 1000);
  const last = new Map<number, number>(TICK_PERIODS.map((p) => [p, slice(p, startedAt)]));
  const beat = onWallClockMultiples(5000, () => {
    const now = Math.floor(Date.now() / 1000);
    for (const period of TICK_PERIODS) {
      const current = slice(period, now);
      if (current === last.get(period)) continue;
      last.set(period, current);
      emit(period, current);
    }
  });
  return { stop: () => beat.cancel() };
}
