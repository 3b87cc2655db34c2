// The composition root of `tsvisor run`, in the order things happen (tini's main() reads the same way):
// config -> logger -> subreaper + reaper -> supervisor -> signal handlers -> start programs -> wait for
// shutdown -> exit code.
import { loadConfig, type LoadOptions } from "./config/load.ts";
import type { Config } from "./config/schema.ts";
import { FORWARD_SIGNALS } from "./config/values.ts";
import { TsvisorError } from "./errors.ts";
import { createLogger } from "./logs/logger.ts";
import { becomeSubreaper, describeReaperProblem, startReaper } from "./os/reaper.ts";
import { signalNumber } from "./os/signals.ts";
import { criticalExitCode } from "./supervisor/critical.ts";
import { describeDiff } from "./supervisor/reload-diff.ts";
import { Supervisor } from "./supervisor/supervisor.ts";
import { version as VERSION } from "../package.json";
import type { ConsolaInstance } from "consola";

/** tsvisor's own exit codes in `run` mode (docs/init.md "Exit codes"). */
export const DAEMON_EXIT = {
  /** Stopped on request (TERM, INT, QUIT), every program stopped gracefully. */
  STOPPED: 0,
  /** Killed at once by a second SIGINT: programs got SIGKILL (128 + SIGINT, as a shell reports Ctrl-C). */
  FORCED: 130,
} as const;

// The signals that mean "stop everything gracefully" (supervisord's meaning).
const SHUTDOWN_SIGNALS = ["SIGTERM", "SIGINT", "SIGQUIT"] as const;

export async function runDaemon(options: { configFile?: string }): Promise<number> {
  const loadOptions: LoadOptions = { file: options.configFile, env: process.env, cwd: process.cwd(), uid: process.getuid?.() ?? 0 };
  let config = loadConfig(loadOptions);
  const logger = createLogger({ debug: Boolean(process.env.TSVISOR_DEBUG) });
  startReaping(logger);

  let shuttingDown = false;
  let resolveExit!: (code: number) => void;
  const exitCode = new Promise<number>((resolve) => (resolveExit = resolve));
  const stopEverything = (code: number) => {
    shuttingDown = true;
    void supervisor.shutdown().then(() => resolveExit(code));
  };

  const supervisor = new Supervisor(config, {
    logger,
    env: process.env,
    // critical = true: its end is the container's end (docs/init.md "Critical programs")
    onEndedForGood: (spec, record) => {
      if (!spec.program.critical || shuttingDown) return;
      const code = criticalExitCode(record, signalNumber);
      logger.error(`critical: ${spec.name} ended (${record.reason}); stopping every program, tsvisor will exit with code ${code}`);
      stopEverything(code);
    },
  });

  // Nothing else holds the event loop open when every program is stopped or FATAL, and tsvisor must
  // stay up then (supervisord does): an operator may still start them.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const onShutdownSignal = (signal: string) => {
    if (shuttingDown) {
      if (signal !== "SIGINT") return logger.info(`${signal} received while stopping; still stopping (send SIGINT again to kill at once)`);
      logger.warn("SIGINT received twice: killing every program at once");
      supervisor.killAll();
      return resolveExit(DAEMON_EXIT.FORCED);
    }
    logger.info(`${signal} received: stopping every program`);
    stopEverything(DAEMON_EXIT.STOPPED);
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, () => onShutdownSignal(signal));

  // HUP: reload (supervisord's meaning). Reloads run one after the other, never two at once.
  let reloads = Promise.resolve();
  process.on("SIGHUP", () => {
    if (shuttingDown) return logger.info("SIGHUP received while stopping; not reloading");
    logger.info("SIGHUP received: reloading the config");
    reloads = reloads.then(async () => {
      config = await reloadConfig(config, loadOptions, supervisor, logger);
    });
  });
  process.on("SIGUSR2", () => onReopenLogs(logger));
  // Every other signal tsvisor can catch gets a handler, listed or not: as PID 1 an unhandled signal
  // would be dropped by the kernel, elsewhere it would kill tsvisor and orphan its programs.
  for (const signal of FORWARD_SIGNALS) process.on(`SIG${signal}`, () => forwardSignal(signal, config, supervisor, logger));

  logger.info(`tsvisor ${VERSION} starting with ${config.file} (${config.processes.length} processes)`);
  supervisor.startAll();
  const code = await exitCode;
  clearInterval(keepAlive);
  logger.info(`tsvisor exiting with code ${code}`);
  return code;
}

// Orphans become tsvisor's children (as PID 1, or as a subreaper) and are reaped on SIGCHLD.
function startReaping(logger: ConsolaInstance): void {
  const role = becomeSubreaper();
  if (!role.ok) logger.warn(describeReaperProblem(role.reason));
  startReaper((orphans) => logger.debug(`reaped: ${orphans.length} orphaned process(es): ${orphans.map((o) => o.pid).join(" ")}`));
}

/**
 * SIGHUP: read the config again and apply the difference (reload-diff.ts). An invalid new config is
 * logged with every diagnostic and changes nothing. Returns the config now in force.
 */
export async function reloadConfig(current: Config, loadOptions: LoadOptions, supervisor: Supervisor, logger: ConsolaInstance): Promise<Config> {
  let next: Config;
  try {
    next = loadConfig(loadOptions);
  } catch (error) {
    if (!(error instanceof TsvisorError)) throw error;
    logger.error(`reload rejected, nothing changed:\n${error.message}${error.hint ? `\nhint: ${error.hint}` : ""}`);
    return current;
  }
  const diff = await supervisor.applyConfig(next);
  logger.info(`reload: ${describeDiff(diff)}`);
  if (current.supervisor.socket !== next.supervisor.socket || current.supervisor.log_dir !== next.supervisor.log_dir) {
    logger.warn("reload: [supervisor] socket and log_dir take effect when tsvisor restarts; forward_signals applies now");
  }
  return next;
}

// USR2: reopen log files (supervisord's meaning), e.g. after logrotate moved them. tsvisor opens no
// log file yet: the log-files work (issue #5) fills this hook. Installed now so that USR2 never
// kills tsvisor.
function onReopenLogs(logger: ConsolaInstance): void {
  logger.info("SIGUSR2 received: reopening log files (tsvisor has none open)");
}

// A signal of FORWARD_SIGNALS: passed on to every running program when `[supervisor] forward_signals`
// lists it, otherwise only logged.
function forwardSignal(signal: string, config: Config, supervisor: Supervisor, logger: ConsolaInstance): void {
  // A terminal sends WINCH on every resize: not worth an info line each time.
  const log = (message: string) => (signal === "WINCH" ? logger.debug(message) : logger.info(message));
  if (!config.supervisor.forward_signals.includes(signal)) {
    return log(`SIG${signal} received: ignored (list it in [supervisor] forward_signals to pass it on to the programs)`);
  }
  const names = supervisor.forwardSignal(signal);
  log(`SIG${signal} received: forwarded to ${names.length > 0 ? names.join(", ") : "no program (none is running)"}`);
}
