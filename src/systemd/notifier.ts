// sd_notify for `tsvisor run` under a Type=notify unit: READY=1 once the autostart processes have
// settled, STATUS= when the summary changes, RELOADING=1/READY=1 around a reload, STOPPING=1 at
// shutdown and WATCHDOG=1 pings. The only file of systemd/ that does I/O; the decisions are in the
// pure files beside it. Without NOTIFY_SOCKET every method does nothing.
import type { ConsolaInstance } from "consola";
import { describeAddress, sendDatagram, type UnixAddress } from "../os/datagram-socket.ts";
import { setLongInterval, type LongTimer } from "../os/long-timer.ts";
import { monotonicMicroseconds } from "../os/monotonic-clock.ts";
import type { ProcessState } from "../supervisor/states.ts";
import { formatNotifyMessage, type NotifyFields } from "./notify-message.ts";
import { parseNotifySocket } from "./notify-socket.ts";
import { ReadinessLatch } from "./readiness.ts";
import { summariseStates } from "./status-summary.ts";
import { watchdogIntervalMs } from "./watchdog.ts";
import { explainWatchdogAbort } from "./watchdog-abort.ts";

/** What the notifier needs of the supervisor (supervisor.ts's Supervisor has it). */
export interface SupervisedProcesses {
  snapshot(): { name: string; state: ProcessState }[];
  /** Calls `listener` after every change of any process; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

export interface SystemdNotifier {
  /** READY=1 with the current STATUS: start-up or a reload is done. Sent by itself after start-up. */
  ready(): void;
  /** RELOADING=1 with MONOTONIC_USEC: call as a reload begins, and ready() once it is done. */
  reloading(): void;
  /** STOPPING=1: call as shutdown begins. */
  stopping(): void;
  /** Stop the watchdog pings and stop following the supervisor. */
  close(): void;
}

export interface NotifierOptions {
  env: Record<string, string | undefined>;
  pid: number;
  logger: ConsolaInstance;
  processes: SupervisedProcesses;
  /** Names of the processes that start with tsvisor: READY=1 waits for them. */
  autostartNames: readonly string[];
}

const NOTHING: SystemdNotifier = { ready() {}, reloading() {}, stopping() {}, close() {} };

/** Start notifying systemd if it asked for it (NOTIFY_SOCKET); a no-op notifier otherwise. */
export function notifySystemd(options: NotifierOptions): SystemdNotifier {
  const { env, logger, processes } = options;
  let address: UnixAddress | null;
  try {
    address = parseNotifySocket(env.NOTIFY_SOCKET);
  } catch (error) {
    logger.warn(`${(error as Error).message}; not notifying systemd`);
    return NOTHING;
  }
  if (address === null) return NOTHING;
  const send = sender(address, logger);

  let lastStatus = "";
  const currentStatus = () => summariseStates(processes.snapshot());
  const latch = new ReadinessLatch(options.autostartNames);
  const notifier: SystemdNotifier = {
    ready: () => send({ ready: true, status: (lastStatus = currentStatus()) }),
    reloading: () => send({ reloading: true, monotonicUsec: monotonicMicroseconds() }),
    stopping: () => send({ stopping: true }),
    close: () => {
      unsubscribe();
      watchdog?.cancel();
    },
  };

  // After a burst of changes (startAll starts every program in one go): READY=1 the first time
  // everything has settled, else STATUS= if it changed. Coalesced in a microtask, which runs before
  // any exit callback: a process cannot pass through RUNNING unseen.
  let scheduled = false;
  const update = () => {
    scheduled = false;
    if (latch.observe(processes.snapshot())) return notifier.ready();
    const status = currentStatus();
    if (status !== lastStatus) send({ status: (lastStatus = status) });
  };
  const onChange = () => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(update);
  };
  const unsubscribe = processes.onChange(onChange);
  const watchdog = startWatchdog(env, options.pid, logger, () => send({ watchdog: true }));
  logger.debug(`notifying systemd at ${describeAddress(address)}`);
  // Nothing may change at all (no autostart process): readiness is decided now, not at a first change.
  onChange();
  return notifier;
}

// WATCHDOG=1 from a timer on tsvisor's own event loop, so the pings stop when that loop is stuck and
// systemd's watchdog fires (a helper thread would keep pinging for a dead supervisor).
function startWatchdog(env: NotifierOptions["env"], pid: number, logger: ConsolaInstance, ping: () => void): LongTimer | undefined {
  let intervalMs: number | null;
  try {
    intervalMs = watchdogIntervalMs(env, pid);
  } catch (error) {
    logger.warn((error as Error).message);
    return undefined;
  }
  if (intervalMs === null) return undefined;
  logger.debug(`systemd watchdog: WATCHDOG=1 every ${intervalMs} ms`);
  explainWatchdogAbort(Number(env.WATCHDOG_USEC), logger); // a valid number: watchdogIntervalMs() checked it
  ping();
  // Chained past 2^31-1 ms (WatchdogSec= of weeks): setInterval would fire every millisecond then.
  // The watchdog alone must not keep tsvisor running after everything else is done.
  return setLongInterval(ping, intervalMs, { unref: true });
}

// Send one datagram; a failure is logged, never thrown: systemd being gone must not stop the
// supervision. The first failure of each kind is a warning, repeats (every ping) only debug lines.
function sender(address: UnixAddress, logger: ConsolaInstance): (fields: NotifyFields) => void {
  const warned = new Set<string>();
  const encoder = new TextEncoder();
  return (fields) => {
    const message = formatNotifyMessage(fields);
    try {
      sendDatagram(address, encoder.encode(message));
      logger.debug(`sd_notify: ${message.replaceAll("\n", " ")}`);
    } catch (error) {
      const code = (error as { code?: string }).code ?? "error";
      const line = `unable to notify systemd: ${(error as Error).message}`;
      if (warned.has(code)) return logger.debug(line);
      warned.add(code);
      logger.warn(line);
    }
  };
}
