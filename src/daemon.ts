// The composition root of `tsvisor run`, in the order things happen (tini's main() reads the same way):
// config -> logger -> subreaper + reaper -> supervisor -> signal handlers -> control socket -> HTTP
// server ([http], when configured) -> start programs (and tell systemd) -> CMD of `run -- CMD`, once
// they have settled -> wait for shutdown -> exit code.
import { join } from "node:path";
import type { ConsolaInstance } from "consola";
import { loadConfig, type LoadOptions } from "./config/load.ts";
import type { Config } from "./config/schema.ts";
import { NO_LOGFILE } from "./config/defaults.ts";
import { daemonSocketPath, privateTempDirs } from "./config/socket-path.ts";
import { FORWARD_SIGNALS } from "./config/values.ts";
import type { ControlDeps } from "./control/dispatch.ts";
import { startControlServer } from "./control/server.ts";
import { RAISE_FD_LIMIT, TsvisorError } from "./errors.ts";
import { groupEvent } from "./events/event.ts";
import { startMonitoring } from "./events/monitoring.ts";
import { CONSOLE_EXIT_WAIT, describeConsoleLoss, flushOutputs, leaveConsole } from "./logs/console-mirror.ts";
import { createLogger } from "./logs/logger.ts";
import { claimLogDir } from "./logs/log-dir-lock.ts";
import { emptyLog, readRange, tailRange } from "./logs/log-range.ts";
import { reopenLogFiles } from "./logs/open-logs.ts";
import { gcTimerState } from "./os/gc-timer-off.ts";
import { resolveOwner } from "./os/owner.ts";
import { FD_RESERVE, enforceFdReserve } from "./os/fd-budget.ts";
import { privateDirProblem } from "./os/private-dir.ts";
import { becomeSubreaper, describeReaperProblem, startReaper } from "./os/reaper.ts";
import { signalNumber } from "./os/signals.ts";
import { onWallClockMultiples } from "./os/wall-clock-beat.ts";
import { type Release, fileBackedResidentKib, releaseStartupPages } from "./os/startup-pages.ts";
import { catchUnnamedSignals } from "./os/unnamed-signals.ts";
import { MainCommand } from "./main-command.ts";
import { ConfigGroups } from "./supervisor/config-groups.ts";
import { criticalExitCode } from "./supervisor/critical.ts";
import { STRAY_STOP_GRACE_MS, stopStrays } from "./supervisor/leftovers.ts";
import { countOf } from "./plural.ts";
import { describeDiff, type ReloadDiff } from "./supervisor/reload-diff.ts";
import { Supervisor } from "./supervisor/supervisor.ts";
import { withoutNotifyVariables } from "./systemd/child-environment.ts";
import type { HttpServer } from "./http/server.ts";
import { notifySystemd, type SystemdNotifier } from "./systemd/notifier.ts";
import { ReadinessLatch } from "./systemd/readiness.ts";
import { version as VERSION } from "../package.json";

/** tsvisor's own exit codes in `run` mode (README "Exit codes"; a critical program's code otherwise). */
export const DAEMON_EXIT = {
  /** Stopped on request (TERM, INT, QUIT, `tsvisor shutdown`), every program stopped gracefully. */
  STOPPED: 0,
  /** Killed at once by a second SIGINT: programs got SIGKILL (128 + SIGINT, as a shell reports Ctrl-C). */
  FORCED: 130,
} as const;

// The signals that mean "stop everything gracefully" (supervisord's meaning).
const SHUTDOWN_SIGNALS = ["SIGTERM", "SIGINT", "SIGQUIT"] as const;

/**
 * `command`: the CMD of `tsvisor run -- CMD`, run beside the programs as the main process
 * (main-command.ts): it takes the signals init mode forwards, and its end is tsvisor's.
 */
export async function runDaemon(options: { configFile?: string; socket?: string; command?: string[] }): Promise<number> {
  const loadOptions: LoadOptions = { file: options.configFile, env: process.env, cwd: process.cwd(), uid: process.getuid?.() ?? 0 };
  let config = loadConfig(loadOptions);
  // A reload reads the file tsvisor started with, not the lookup again: a tsvisor.toml that appeared
  // in the working directory since (planted, or left by someone) must not take over (docs/security.md).
  const reloadOptions: LoadOptions = { ...loadOptions, file: config.file };
  const logDir = prepareLogDir(config.supervisor.log_dir, loadOptions.uid);
  const logDirLock = logDir === null ? { release: () => {}, warning: null } : claimLogDir(logDir, loadOptions.uid);
  const logger = createLogger({ debug: Boolean(process.env.TSVISOR_DEBUG), file: logDir === null ? undefined : join(logDir, "tsvisor.log") });
  if (logDirLock.warning !== null) logger.warn(logDirLock.warning);
  for (const note of config.notes) logger.warn(note);
  logger.debug(`Bun's idle GC timer: ${gcTimerState()}`);
  startReaping(logger);
  keepFdReserve(logger);
  // Set just before the programs start (its first STATUS= is then about them, not about an empty
  // start-up); a shutdown before that has nothing to tell systemd.
  let systemd: SystemdNotifier | null = null;
  const socketPath = await daemonSocketPath({ flag: options.socket, env: process.env, cwd: loadOptions.cwd, uid: loadOptions.uid }, config);
  // What programs, hooks, listeners and CMD inherit; a reload may name another secret's variable to leave out.
  const inherited = inheritedEnvironment(config, socketPath);
  const main = options.command ? new MainCommand(options.command, { logger, env: inherited }) : null;

  let shuttingDown = false;
  // Every program stopped and "exiting" said: a signal then (during the console's wait) changes nothing,
  // and a line about it after "exiting" would only confuse.
  let exiting = false;
  let resolveExit!: (code: number) => void;
  const exitCode = new Promise<number>((resolve) => (resolveExit = resolve));
  const stopEverything = (code: number, why: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    systemd?.stopping();
    monitoring.stopping();
    logger.info(`${why}: stopping every program`);
    // CMD first: it is the main process and may need the programs until it has stopped.
    void (main?.stop() ?? Promise.resolve()).then(() => supervisor.shutdown()).then(() => resolveExit(code));
  };

  const supervisor = new Supervisor(config, {
    logger,
    env: inherited,
    // critical = true: its end is the container's end (docs/init.md "Critical programs")
    onEndedForGood: (spec, record) => {
      if (!spec.program.critical || shuttingDown) return;
      const code = criticalExitCode(record, signalNumber);
      logger.error(`critical: ${spec.name} ended (${record.reason}); tsvisor will exit with code ${code}`);
      stopEverything(code, `critical program ${spec.name} ended`);
    },
  });

  // Events, hooks and event listeners (docs/events.md): listeners start before the programs do.
  const monitoring = startMonitoring(config, supervisor, { logger, env: inherited });
  // supervisorctl's reread/add/remove/update: the config read last, and groups added and removed one at a time
  const groups = new ConfigGroups(config, supervisor, {
    load: () => loadConfig(reloadOptions),
    onGroup: (change, group) => monitoring.bus.emit(groupEvent(change === "added" ? "PROCESS_GROUP_ADDED" : "PROCESS_GROUP_REMOVED", group, Date.now())),
  });

  // Nothing else holds the event loop open when every program is stopped or FATAL, and tsvisor must
  // stay up then (supervisord does): an operator may still start them.
  const keepAlive = setInterval(() => {}, 1 << 30);
  for (const signal of SHUTDOWN_SIGNALS) {
    process.on(signal, () => {
      if (exiting) return;
      if (main?.forward(signal.slice(3))) return logger.info(`${signal} received: forwarded to ${main.label}`);
      if (!shuttingDown) return stopEverything(DAEMON_EXIT.STOPPED, `${signal} received`);
      if (signal !== "SIGINT") return logger.info(`${signal} received while stopping; still stopping (send SIGINT again to kill at once)`);
      logger.warn("SIGINT received twice: killing every program at once");
      supervisor.killAll();
      resolveExit(DAEMON_EXIT.FORCED);
    });
  }

  // Set once the HTTP server listens; a reload before that leaves [http] to the start-up.
  let http: HttpServer | null = null;
  // HUP and `tsvisor reload`: read the config again and apply the difference, one reload at a time.
  let reloads: Promise<unknown> = Promise.resolve();
  const reload = (): Promise<ReloadDiff> => {
    const run = reloads.then(async () => {
      // a reload that reached the daemon after a shutdown began would answer "no changes": say why
      if (shuttingDown) throw new TsvisorError("SHUTTING_DOWN", "the config was not read again");
      systemd?.reloading();
      try {
        const next = loadConfig(reloadOptions); // a ConfigError leaves everything as it is
        for (const name of next.secret_variables) delete inherited[name];
        const before = supervisor.specs();
        const diff = await supervisor.applyConfig(next);
        groups.reloaded(next, before);
        logger.info(`reload: ${describeDiff(diff)}`);
        warnAboutRestartOnlyKeys(config, next, logger);
        reloadHttp(http, config, next, logger);
        config = next;
        return diff;
      } finally {
        systemd?.ready();
      }
    });
    reloads = run.catch(() => {});
    return run;
  };
  process.on("SIGHUP", () => {
    if (exiting) return;
    if (main?.forward("HUP")) return logger.info(`SIGHUP received: forwarded to ${main.label} (\`tsvisor reload\` reloads the config)`);
    if (shuttingDown) return logger.info("SIGHUP received while stopping; not reloading");
    logger.info("SIGHUP received: reloading the config");
    reload().catch((error) => {
      if (!(error instanceof TsvisorError)) throw error;
      logger.error(`reload rejected, nothing changed:\n${error.message}${error.hint ? `\nhint: ${error.hint}` : ""}`);
    });
  });
  // USR2: an external logrotate moved the files; write to new ones at the configured paths.
  process.on("SIGUSR2", () => {
    if (main?.forward("USR2")) return logger.info(`SIGUSR2 received: forwarded to ${main.label} (\`tsvisor logs --reopen\` reopens the log files)`);
    logger.info(`SIGUSR2 received: reopened ${countOf(reopenLogFiles(), "log file")}`);
  });
  const reopenLogsOnRequest = () => {
    const files = reopenLogFiles();
    logger.info(`reopen requested on the control socket: reopened ${countOf(files, "log file")}`);
    return files;
  };
  // Every other signal tsvisor can catch gets a handler, listed or not: as PID 1 an unhandled signal
  // would be dropped by the kernel, elsewhere it would kill tsvisor and orphan its programs.
  for (const signal of FORWARD_SIGNALS) process.on(`SIG${signal}`, () => forwardSignal(signal, config, supervisor, main, logger));
  // STKFLT and the real-time signals, which process.on cannot catch: the same rule.
  const unnamed = catchUnnamedSignals((signal) => forwardSignal(signal, config, supervisor, main, logger));
  if (!unnamed.ok) logger.warn(`${unnamed.reason}: they are never forwarded`);

  // Bound before any program starts: a second tsvisor on the same socket refuses to start at all.
  const { socket_mode, socket_owner, rpc_username, rpc_password } = config.supervisor;
  const controlDeps: ControlDeps = {
    supervisor, events: monitoring.bus, version: VERSION, reload, reopenLogs: reopenLogsOnRequest,
    shutdown: () => stopEverything(DAEMON_EXIT.STOPPED, "shutdown requested on the control socket"),
    shuttingDown: () => shuttingDown, mainLog: logDir === null ? null : join(logDir, "tsvisor.log"), logs: { read: readRange, tail: tailRange, empty: emptyLog }, groups,
  };
  const rpcCredentials = rpc_username !== null && rpc_password !== null ? { username: rpc_username, password: rpc_password } : null;
  const control = await startControlServer({
    path: socketPath,
    mode: socket_mode,
    owner: socket_owner === null ? null : resolveOwner(socket_owner),
    deps: controlDeps,
    // supervisorctl -s unix://PATH: loaded at the first HTTP connection, so a tsvisor nobody asks pays nothing
    http: once(() => import("./http/control-socket-http.ts").then(({ controlSocketHandler }) => controlSocketHandler(controlDeps, rpcCredentials))),
  });
  if (control.replacedStale) logger.info(`control socket ${control.path}: took it over from an earlier tsvisor that is gone (a stale socket nobody listened on was removed)`);
  // The dashboard, HTTP API and /metrics (docs/http.md): the socket's operations, same meaning.
  // Loaded only when configured: a tsvisor without [http] pays nothing for it at start.
  const httpConfig = config.http;
  http = httpConfig === null ? null : await import("./http/server.ts").then(({ startHttpServer }) =>
    startHttpServer({ config: httpConfig, logger, deps: { control: controlDeps, processes: () => supervisor.specs() } }));

  logger.info(`tsvisor ${VERSION} starting with ${config.file} (${countOf(config.processes.length, "process", "processes")}), control socket ${control.path}`);
  // Under a Type=notify unit: READY=1, STATUS=, RELOADING=1, STOPPING=1, WATCHDOG=1 (docs/systemd.md).
  const autostartNames = config.processes.filter((p) => p.program.autostart).map((p) => p.name);
  systemd = notifySystemd({ env: process.env, pid: process.pid, logger, processes: supervisor, autostartNames });
  monitoring.running(); // before the programs' events, as supervisord emits it
  supervisor.startAll();
  releaseStartupPagesOnceSettled(supervisor, autostartNames, logger);
  if (main) {
    main.startAfter(supervisor, autostartNames);
    void main.ended.then((code) => stopEverything(code, `${main.label} ended`));
  }
  const code = await exitCode;
  http?.close();
  await monitoring.close();
  // again: an event listener or hook may have left something too; after a second SIGINT, no grace
  await stopStrays(logger, code === DAEMON_EXIT.FORCED ? 0 : STRAY_STOP_GRACE_MS, false);
  clearInterval(keepAlive);
  systemd.close();
  logger.info(`tsvisor exiting with code ${code}`);
  exiting = true;
  // process.exit() would drop what a slow reader has not taken yet. What a reader given up on never got
  // is said in tsvisor.log, and on the other output while it still takes (so a second round).
  for (let losses = await flushOutputs(CONSOLE_EXIT_WAIT); losses.length > 0; losses = await flushOutputs(CONSOLE_EXIT_WAIT)) {
    for (const loss of losses) logger.warn(`lost at exit: ${describeConsoleLoss(loss)}`);
  }
  leaveConsole();
  logDirLock.release();
  // Last: `tsvisor shutdown` returns when its connection ends, and then another tsvisor may start on
  // this socket and log_dir at once. Until then requests are answered as during the stops.
  control.close();
  return code;
}

// tsvisor's environment without what is for tsvisor alone: systemd's notify variables, and the
// variables [http] token and password and [supervisor] rpc_password are read from (any program,
// `user = "nobody"` ones too, could read them in its /proc/self/environ). A program that needs one
// gets it by name in its own `environment`.
// With SUPERVISOR_SERVER_URL, as supervisord sets it, so that supervisor.childutils.getRPCInterface()
// reaches this tsvisor. Never SUPERVISOR_USERNAME/PASSWORD: a program of any user could read them
// (supervisord 4.2.5 sets neither; docs/supervisord.md).
function inheritedEnvironment(config: Config, socketPath: string): Record<string, string | undefined> {
  const env = withoutNotifyVariables(process.env);
  for (const name of config.secret_variables) delete env[name];
  env.SUPERVISOR_SERVER_URL = `unix://${socketPath}`;
  return env;
}

// Start-up is over once every autostart program has settled (systemd's READY=1 moment): then the
// executable's pages it touched are let go (os/startup-pages.ts), a second after, for the start-up's
// last steps. Looked at no more than every STARTUP_SETTLED_CHECK_MS, so that 1,000 programs starting
// cost 1,000 state changes, not 1,000 snapshots of 1,000 programs each.
// And again at a minute when enough has come back: the first minutes touch code an idle daemon does not
// run again either (JavaScriptCore compiling the sampler's and the event loop's hot paths, each code
// path's first run), and so does any burst of work (a log flood, a reload). What the idle daemon does run
// comes back by minor faults: page by page where the kernel allows it (os/page-by-page.ts), 64 KiB at a
// time elsewhere (docs/performance.md has both). Each release makes that working set fault back once
// more (and read from disk where a reclaimer pages out the page cache no process maps), which was a
// third of an idle daemon's CPU at 1 program: so a minute whose file-backed RSS has grown by less than
// RELEASE_AFTER_REGROWTH_KIB since the last release lets it be. A release every 5 minutes was measured
// and not kept: at 1,000 programs the JIT's compilers came back, page by page, to as much as a minute
// brought 64 KiB at a time; they are let go at the first minute after they passed the mark.
const STARTUP_SETTLED_CHECK_MS = 200;
const RELEASE_AFTER_SETTLED_MS = 1000;
const EXECUTABLE_PAGES_RELEASE_MS = 60_000;
const RELEASE_AFTER_REGROWTH_KIB = 2048;
function releaseStartupPagesOnceSettled(supervisor: Supervisor, autostartNames: readonly string[], logger: ConsolaInstance): void {
  const latch = new ReadinessLatch(autostartNames);
  let check: Timer | undefined;
  let residentAfterRelease: number | null = null;
  const release = (what: string): Release | null => {
    const done = releaseStartupPages();
    if (done === null) {
      logger.debug(`${what}: can't be let go here`);
      return null;
    }
    residentAfterRelease = fileBackedResidentKib();
    const comeBack = done.faultAround === null ? "page by page" : `64 KiB at a time (${done.faultAround})`;
    logger.debug(`${what}: ${Math.round(done.releasedKib / 1024)} MiB of the executable let go; what is used again comes back ${comeBack}`);
    return done;
  };
  const releaseIfGrown = () => {
    const resident = fileBackedResidentKib();
    if (resident !== null && residentAfterRelease !== null && resident - residentAfterRelease < RELEASE_AFTER_REGROWTH_KIB) return;
    release("pages touched since");
  };
  const look = () => {
    check = undefined;
    if (!latch.observe(supervisor.snapshot())) return;
    unsubscribe();
    setTimeout(() => {
      // on the minute, in the wake-up the sampler and the TICK events share (os/wall-clock-beat.ts)
      if (release("start-up pages") !== null) onWallClockMultiples(EXECUTABLE_PAGES_RELEASE_MS, releaseIfGrown);
    }, RELEASE_AFTER_SETTLED_MS).unref();
  };
  const unsubscribe = supervisor.onChange(() => {
    check ??= setTimeout(look, STARTUP_SETTLED_CHECK_MS);
    check.unref();
  });
  look();
}

// The first call's promise, for every call (a lazy import, done once).
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | null = null;
  return () => (loaded ??= load());
}

// The log directory, or null when log files are off (log_dir = "none"). One in tsvisor's private
// directory under /tmp (the default when nothing else can be written) is made 0700 first, so that
// nothing is written into a directory another user made under that name.
function prepareLogDir(logDir: string, uid: number): string | null {
  if (logDir === NO_LOGFILE) return null;
  const privateDir = privateTempDirs(uid).find((dir) => logDir.startsWith(`${dir}/`));
  const problem = privateDir === undefined ? null : privateDirProblem(privateDir, { create: true, uid });
  if (problem !== null) throw new TsvisorError("LOG_DIR_UNAVAILABLE", `unable to use ${privateDir} for the log files: it ${problem}`, "set [supervisor] log_dir to a directory of your own");
  return logDir;
}

// Orphans become tsvisor's children (as PID 1, or as a subreaper) and are reaped on SIGCHLD.
function startReaping(logger: ConsolaInstance): void {
  const role = becomeSubreaper();
  if (!role.ok) logger.warn(describeReaperProblem(role.reason));
  startReaper((orphans) => logger.debug(`reaped: ${countOf(orphans.length, "orphaned process", "orphaned processes")}: ${orphans.map((o) => o.pid).join(" ")}`));
}

// Short of file descriptors, tsvisor refuses what can wait (programs, HTTP connections, streams) so
// that the control socket can still answer (os/fd-budget.ts); one line when it starts, one when it ends.
function keepFdReserve(logger: ConsolaInstance): void {
  enforceFdReserve((low, { open, limit }) => {
    if (!low) return logger.info(`file descriptors: ${open} of ${limit} open; programs, connections and streams are accepted again`);
    logger.warn(`file descriptors: ${open} of ${limit} open; new programs, HTTP connections and streams are refused while fewer than ${FD_RESERVE.spawn} are left, so that \`tsvisor status\` and \`check\` still answer (${RAISE_FD_LIMIT})`);
  });
}

// The socket, the log files, the HTTP server, hooks and event listeners are set up at start: new
// values there apply at the next start.
function warnAboutRestartOnlyKeys(current: Config, next: Config, logger: ConsolaInstance): void {
  const { socket, socket_mode, socket_owner, log_dir } = current.supervisor;
  const after = next.supervisor;
  if (socket !== after.socket || socket_mode !== after.socket_mode || socket_owner !== after.socket_owner) {
    logger.warn("reload: [supervisor] socket, socket_mode and socket_owner take effect when tsvisor restarts; the other keys apply now");
  }
  if (log_dir !== after.log_dir) {
    logger.warn(`reload: log_dir is now ${after.log_dir}: the programs with auto log files restarted into it; tsvisor.log stays in ${log_dir} until tsvisor restarts`);
  }
  if (!Bun.deepEquals(current.hooks, next.hooks) || !Bun.deepEquals(current.eventlisteners, next.eventlisteners)) {
    logger.warn("reload: [[hooks]] and [eventlisteners] take effect when tsvisor restarts (docs/events.md)");
  }
}

// [http]'s token (read again from token_file) and read_only apply at once; where and how it listens,
// and whether it does at all, wait for a restart.
function reloadHttp(http: HttpServer | null, current: Config, next: Config, logger: ConsolaInstance): void {
  if (next.http === null) {
    if (current.http !== null) logger.warn("reload: [http] removed: takes effect when tsvisor restarts (docs/http.md)");
    return;
  }
  if (current.http === null) return logger.warn("reload: [http] added: takes effect when tsvisor restarts (docs/http.md)");
  if (http === null) return; // still starting: it listens with the config it was given
  const waiting = http.reload(next.http);
  if (waiting.length > 0) logger.warn(`reload: [http] ${waiting.join(" and ")} ${waiting.length === 1 ? "takes" : "take"} effect when tsvisor restarts; the token and read_only apply now (docs/http.md)`);
}

// Signals that come as a matter of course, not worth an info line each time: a terminal sends WINCH on
// every resize, and systemd sends CONT right after TERM on every `systemctl stop` (a stopped process
// could not act on the TERM otherwise). tsvisor is never stopped then, so CONT asks nothing of it.
const ROUTINE_SIGNALS = ["WINCH", "CONT"];

// A signal of FORWARD_SIGNALS (or STKFLT, a real-time one): passed on to CMD of `run -- CMD` while it
// runs, and to every running program when `[supervisor] forward_signals` lists it; otherwise only logged.
function forwardSignal(signal: string, config: Config, supervisor: Supervisor, main: MainCommand | null, logger: ConsolaInstance): void {
  const log = (message: string) => (ROUTINE_SIGNALS.includes(signal) ? logger.debug(message) : logger.info(message));
  const toMain = main?.forward(signal) ? [main.label] : [];
  if (!config.supervisor.forward_signals.includes(signal)) {
    if (toMain.length > 0) return log(`SIG${signal} received: forwarded to ${toMain[0]}`);
    return log(`SIG${signal} received: ignored (list it in [supervisor] forward_signals to pass it on to the programs)`);
  }
  const names = [...toMain, ...supervisor.forwardSignal(signal)];
  log(`SIG${signal} received: forwarded to ${names.length > 0 ? names.join(", ") : "no program (none is running)"}`);
}
