// The composition root of `tsvisor run`, in the order things happen (tini's main() reads the same way):
// config -> logger -> supervisor -> signal handlers -> start programs -> wait for shutdown -> exit code.
import { join } from "node:path";
import { loadConfig } from "./config/load.ts";
import { flushConsole } from "./logs/console-mirror.ts";
import { createLogger } from "./logs/logger.ts";
import { reopenLogFiles } from "./logs/rotating-file.ts";
import { Supervisor } from "./supervisor/supervisor.ts";
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

export async function runDaemon(options: { configFile?: string }): Promise<number> {
  const config = loadConfig({ file: options.configFile, env: process.env, cwd: process.cwd(), uid: process.getuid?.() ?? 0 });
  const logger = createLogger({ debug: Boolean(process.env.TSVISOR_DEBUG), file: join(config.supervisor.log_dir, "tsvisor.log") });
  const supervisor = new Supervisor(config, { logger, env: process.env });

  // Nothing else holds the event loop open when every program is stopped or FATAL, and tsvisor must
  // stay up then (supervisord does): an operator may still start them.
  const keepAlive = setInterval(() => {}, 1 << 30);
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
      logger.info(`${signal} received: stopping every program`);
      void supervisor.shutdown().then(() => resolve(DAEMON_EXIT.STOPPED));
    };
    for (const signal of SHUTDOWN_SIGNALS) process.on(signal, () => onShutdownSignal(signal));
  });
  // As PID 1 an unhandled HUP would be ignored by the kernel, elsewhere it would kill tsvisor.
  process.on("SIGHUP", () => logger.warn("SIGHUP received: reloading the config is not supported yet; nothing changed"));

  // USR2: an external logrotate moved the files; write to new ones at the configured paths.
  process.on("SIGUSR2", () => logger.info(`SIGUSR2 received: reopened ${reopenLogFiles()} log files`));

  logger.info(`tsvisor ${VERSION} starting with ${config.file} (${config.processes.length} processes)`);
  supervisor.startAll();
  const code = await exitCode;
  clearInterval(keepAlive);
  logger.info(`tsvisor exiting with code ${code}`);
  await flushConsole(1000); // process.exit() would drop what a slow reader has not taken yet
  return code;
}

