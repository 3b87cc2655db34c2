// The composition root of `tsvisor [-g] -- CMD [ARGS...]`: init mode, a drop-in for `tini --`. In
// tini's order: signals -> subreaper -> reaper -> spawn CMD -> forward signals and reap zombies until
// CMD exits -> exit with CMD's code (128 + N when a signal N killed it).
import { describeForeignProgram } from "./os/elf-machine.ts";
import { execAsForegroundChild, ignoreTerminalStopSignals } from "./os/exec-child.ts";
import { spawnForegroundChild, takeBackTerminal } from "./os/foreground-child.ts";
import { sendSignal } from "./os/kill.ts";
import { libc } from "./os/libc.ts";
import { becomeSubreaper, describeReaperProblem, reapOrphans, startReaper } from "./os/reaper.ts";
import { FORWARDABLE_SIGNALS, signalNumber } from "./os/signals.ts";
import { SpawnError } from "./os/spawn.ts";
import { catchUnnamedSignals, ignoreUnnamedSignals } from "./os/unnamed-signals.ts";
import { type ExitStatus, cannotStartExitCode, describeExit, exitedWith, killedBy, shellExitCode } from "./supervisor/exit-status.ts";

/**
 * Compiling the handler for STKFLT and the real-time signals (os/unnamed-signals.ts) costs ~20 ms: done
 * once CMD has run this long, so that a short command (and tsvisor's start-up) never pays for it.
 */
const UNNAMED_SIGNALS_AFTER_MS = 50;

// Something was written through Bun's process.stdout/stderr streams, which may still hold it at exit.
let wroteThroughStreams = false;

export async function runInit(options: { argv: string[]; group: boolean }): Promise<number> {
  ignoreTerminalStopSignals();
  const role = becomeSubreaper();
  const debug = Boolean(process.env.TSVISOR_DEBUG);
  // Importing the logger (consola) makes process.stdout and process.stderr, Node streams that Bun
  // builds on first use for ~20 ms and ~10 MiB: more than the rest of `tsvisor -- true`'s own
  // start-up (docs/performance.md). So it is loaded only when a line will be written.
  const logger = debug || !role.ok ? (await import("./logs/logger.ts")).createLogger({ debug }) : undefined;
  wroteThroughStreams = logger !== undefined;
  if (!role.ok) logger?.warn(describeReaperProblem(role.reason));
  startReaper((orphans) => logger?.debug(`reaped: ${orphans.map((o) => o.pid).join(" ")}`));

  // Every catchable signal goes to CMD, or to CMD's process group with -g (tini's -g). The handlers
  // exist before CMD does: JS runs none of them until this function yields, by then pid is set.
  let pid: number | null = null;
  const forward = (signal: string) => {
    if (pid === null) return;
    logger?.debug(`forwarding SIG${signal} to ${options.group ? "process group" : "pid"} ${pid}`);
    // Right after the spawn the helper may not have made its group yet: then the pid alone.
    if (!sendSignal(pid, signal, options.group) && options.group) sendSignal(pid, signal, false);
  };
  for (const signal of FORWARDABLE_SIGNALS) process.on(`SIG${signal}`, () => forward(signal));
  // STKFLT and the real-time signals, which process.on cannot catch: ignored at once (by default they
  // would kill tsvisor), forwarded too (as tini does) once CMD has run for UNNAMED_SIGNALS_AFTER_MS.
  ignoreUnnamedSignals();
  const catchUnnamed = setTimeout(() => {
    const unnamed = catchUnnamedSignals(forward);
    // A debug line: init mode is as quiet as tini, and ignored is still better than killed.
    if (!unnamed.ok) logger?.debug(`${unnamed.reason}: they are not forwarded to CMD`);
  }, UNNAMED_SIGNALS_AFTER_MS);

  const status = await new Promise<ExitStatus>((resolve) => {
    try {
      pid = spawnForegroundChild({
        argv: options.argv,
        env: process.env,
        onExit: (code, signal) => resolve(signal !== null ? killedBy(signal) : exitedWith(code ?? 0)),
      });
      logger?.debug(`spawned: ${options.argv[0]} (pid ${pid})`);
    } catch (error) {
      if (!(error instanceof SpawnError)) throw error;
      wroteThroughStreams = true;
      process.stderr.write(`tsvisor: exec failed: ${error.message}\n`);
      resolve(exitedWith(cannotStartExitCode(error.errno))); // tini's and a shell's codes
    }
  });
  clearTimeout(catchUnnamed);
  if (pid !== null) takeBackTerminal(pid);
  // the one exec failure the foreground exec can only report as a status (tini: "Exec format error")
  const foreign = pid !== null && status.code === 126 ? describeForeignProgram(options.argv[0] ?? "", process.env) : null;
  if (foreign !== null) {
    wroteThroughStreams = true;
    process.stderr.write(`tsvisor: ${foreign}\n`);
  }
  reapOrphans(); // what CMD left behind as it went
  const code = shellExitCode(status, signalNumber);
  logger?.debug(`exited: ${options.argv[0]} (${describeExit(status)}); tsvisor exits with code ${code}`);
  return code;
}

/**
 * Exit with `code`, leaving the terminal's settings as CMD left them, as tini does. Bun, exiting,
 * writes back the settings the terminal had when tsvisor started: `tsvisor -- stty -echo` was undone,
 * and a background `tsvisor -- CMD &` that ended put the foreground program's terminal back in line
 * mode (red team, 2026-12-06). _exit(2) skips that, with Bun's other exit steps, so it is taken only
 * when nothing was written through Bun's streams, which could still hold it (a message, the logger).
 */
export function exitInit(code: number): never {
  if (!wroteThroughStreams) libc()._exit(code);
  process.exit(code);
}

// The helper's side (os/foreground-child.ts FOREGROUND_HELPER_FLAG): becomes CMD, or returns the exit
// code when exec failed.
export function runInitChild(argv: string[]): number {
  const failure = execAsForegroundChild(argv);
  process.stderr.write(`tsvisor: exec failed: ${failure.message}\n`);
  return failure.code;
}
