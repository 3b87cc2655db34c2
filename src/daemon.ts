// The composition root of `tsvisor run`, in the order things happen (tini's main() reads the same way):
// config -> logger -> supervisor -> signal handlers -> control socket -> start programs -> wait for
// shutdown -> exit code.
import { loadConfig, type LoadOptions } from "./config/load.ts";
import type { Config } from "./config/schema.ts";
import { daemonSocketPath } from "./config/socket-path.ts";
import { startControlServer } from "./control/server.ts";
import { TsvisorError } from "./errors.ts";
import { startMonitoring } from "./events/monitoring.ts";
import { createLogger } from "./logs/logger.ts";
import { resolveOwner } from "./os/owner.ts";
import { join } from "node:path";
import { flushConsole } from "./logs/console-mirror.ts";
import { reopenLogFiles } from "./logs/rotating-file.ts";
import { Supervisor } from "./supervisor/supervisor.ts";
import { withoutNotifyVariables } from "./systemd/child-environment.ts";
import { notifySystemd, type SystemdNotifier } from "./systemd/notifier.ts";
import { version as VERSION } from "../package.json";

/** tsvisor's own exit codes in `run` mode (README "Exit codes"). */
export const DAEMON_EXIT = {
  /** Stopped on request (TERM, INT, QUIT), every program stopped gracefully. */
  STOPPED: 0,
  /** Killed at once by a second SIGINT: programs got SIGKILL (128 + SIGINT, as a shell reports Ctrl-C). */
  FORCED: 130,
} as const;

// The signals that mean "stop everything gracefully" (supervisord's meaning).
const SHUTDOWN_SIGNALS = ["SIGTERM", "SIGINT", "SIGQUIT"] as const;

export async function runDaemon(options: { configFile?: string; socket?: string }): Promise<number> {
  const loadOptions: LoadOptions = { file: options.configFile, env: process.env, cwd: process.cwd(), uid: process.getuid?.() ?? 0 };
  const config = loadConfig(loadOptions);
  const logger = createLogger({ debug: Boolean(process.env.TSVISOR_DEBUG), file: join(config.supervisor.log_dir, "tsvisor.log") });
  const supervisor = new Supervisor(config, { logger, env: withoutNotifyVariables(process.env) });
  // Events, hooks and event listeners (docs/events.md): listeners start before the programs do.
  const monitoring = startMonitoring(config, supervisor, { logger, env: withoutNotifyVariables(process.env) });
  // Set once the control socket is bound, just before the programs start (its first STATUS= is then
  // about them, not about an empty start-up); a shutdown before that has nothing to tell systemd.
  let systemd: SystemdNotifier | null = null;

  // Nothing else holds the event loop open when every program is stopped or FATAL, and tsvisor must
  // stay up then (supervisord does): an operator may still start them.
  const keepAlive = setInterval(() => {}, 1 << 30);
  let requestShutdown = () => {};
  const exitCode = new Promise<number>((resolve) => {
    let shuttingDown = false;
    const onShutdownSignal = (signal: string) => {
      if (shuttingDown) {
        if (signal !== "SIGINT") return logger.info(`${signal} received while stopping; still stopping (send SIGINT again to kill at once)`);
        logger.warn("SIGINT received twice: killing every program at once");
        supervisor.killAll();
        return resolve(DAEMON_EXIT.FORCED);
      }
      shuttingDown = true;
      systemd?.stopping();
      monitoring.stopping();
      logger.info(`${signal} received: stopping every program`);
      void supervisor.shutdown().then(() => resolve(DAEMON_EXIT.STOPPED));
    };
    for (const signal of SHUTDOWN_SIGNALS) process.on(signal, () => onShutdownSignal(signal));
    // `tsvisor shutdown`: what SIGTERM does
    requestShutdown = () => {
      if (shuttingDown) return;
      shuttingDown = true;
      systemd?.stopping();
      monitoring.stopping();
      logger.info("shutdown requested on the control socket: stopping every program");
      void supervisor.shutdown().then(() => resolve(DAEMON_EXIT.STOPPED));
    };
  });
  // As PID 1 an unhandled HUP would be ignored by the kernel, elsewhere it would kill tsvisor.
  process.on("SIGHUP", () => logger.warn("SIGHUP received: reloading the config is not supported yet; nothing changed"));

  // USR2: an external logrotate moved the files; write to new ones at the configured paths.
  process.on("SIGUSR2", () => logger.info(`SIGUSR2 received: reopened ${reopenLogFiles()} log files`));

  // Bound before any program starts: a second tsvisor on the same socket refuses to start at all.
  const { socket_mode, socket_owner } = config.supervisor;
  const control = await startControlServer({
    path: daemonSocketPath({ flag: options.socket, env: process.env, cwd: loadOptions.cwd, uid: loadOptions.uid }, config),
    mode: socket_mode,
    owner: socket_owner === null ? null : resolveOwner(socket_owner),
    deps: { supervisor, events: monitoring.bus, version: VERSION, reload: () => reloadUnchangedOnly(config, { ...loadOptions, file: config.file }), shutdown: () => requestShutdown() },
  });

  logger.info(`tsvisor ${VERSION} starting with ${config.file} (${config.processes.length} processes), control socket ${control.path}`);
  // Under a Type=notify unit: READY=1, STATUS=, STOPPING=1, WATCHDOG=1 (docs/systemd.md).
  const autostartNames = config.processes.filter((p) => p.program.autostart).map((p) => p.name);
  systemd = notifySystemd({ env: process.env, pid: process.pid, logger, processes: supervisor, autostartNames });
  monitoring.running(); // before the programs' events, as supervisord emits it
  supervisor.startAll();
  const code = await exitCode;
  control.close();
  await monitoring.close();
  clearInterval(keepAlive);
  systemd?.close();
  logger.info(`tsvisor exiting with code ${code}`);
  await flushConsole(1000); // process.exit() would drop what a slow reader has not taken yet
  return code;
}

// `tsvisor reload` until the config-diff reload (issue #4, supervisor.applyConfig) is merged: re-read
// the file; an unchanged config is an empty diff, a changed one is refused with NOT_IMPLEMENTED.
// A config that does not load throws its ConfigError (CONFIG_INVALID) and nothing changes.
async function reloadUnchangedOnly(current: Config, options: LoadOptions): Promise<{ added: string[]; removed: string[]; changed: string[] }> {
  const next = loadConfig(options);
  if (Bun.deepEquals(next.processes, current.processes) && Bun.deepEquals(next.supervisor, current.supervisor)) {
    return { added: [], removed: [], changed: [] };
  }
  throw new TsvisorError("NOT_IMPLEMENTED", "the config changed; applying changes needs a restart of tsvisor in this version");
}
