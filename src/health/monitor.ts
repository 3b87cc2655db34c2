// Runs one process's health check on a timer while the process lives: first probe one interval
// after the start (Docker's HEALTHCHECK), each next probe one interval after the last one ended, so
// a slow probe never overlaps the next. Decisions are health-state.ts's; this file only keeps time.
import type { HealthCheckConfig } from "../config/schema.ts";
import { setLongTimeout, type LongTimer } from "../os/long-timer.ts";
import { newHealth, recordProbe, type Health } from "./health-state.ts";
import { runProbe, type ProbeContext } from "./probe.ts";

const PROBE_GRAIN_MS = 1000;

export class HealthMonitor {
  private current: Health | null = null;
  private timer: LongTimer | undefined;
  // Bumped by every begin() and end(), so the result of a probe started for an older run is dropped.
  private generation = 0;

  constructor(
    private readonly check: HealthCheckConfig,
    private readonly context: () => ProbeContext,
    /** Called when the status changes (starting, healthy, unhealthy); `becameUnhealthy` on the probe that makes it unhealthy. */
    private readonly onChange: (health: Health, becameUnhealthy: boolean) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Health since the process started; null while there is no process. */
  get health(): Health | null {
    return this.current;
  }

  /** A new process: starting, first probe after one interval. */
  begin(): void {
    this.end();
    this.current = newHealth(this.now());
    this.schedule(this.generation);
  }

  /** The process is gone: no health, no probes. */
  end(): void {
    this.generation++;
    this.timer?.cancel();
    this.current = null;
  }

  // One interval from now, moved to the nearest multiple of the grain (a second, or the interval
  // when shorter): probes of different programs that fall due in the same second share one timer
  // wake-up of the event loop, which is what an idle tsvisor spends its CPU on (bench/results/health.md).
  // Nearest, not next: on average the interval stays what was configured.
  private schedule(generation: number): void {
    const intervalMs = this.check.interval * 1000;
    const grain = Math.min(PROBE_GRAIN_MS, intervalMs);
    const offset = (this.now() + intervalMs) % grain;
    const delay = intervalMs - offset + (offset >= grain / 2 ? grain : 0);
    this.timer = setLongTimeout(() => void this.probe(generation), delay);
  }

  private async probe(generation: number): Promise<void> {
    const result = await runProbe(this.check.probe, this.check.timeout * 1000, this.context);
    if (generation !== this.generation || this.current === null) return;
    const { health, becameUnhealthy } = recordProbe(this.current, result, this.check, this.now());
    const changed = health.status !== this.current.status;
    this.current = health;
    if (changed) this.onChange(health, becameUnhealthy);
    if (generation === this.generation) this.schedule(generation);
  }
}
