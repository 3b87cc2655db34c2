// The CMD of `tsvisor run [-c FILE] -- CMD [ARGS...]`: the container's main process, run beside the
// config's programs (s6-overlay's services-plus-CMD model; docs/init.md "run -- CMD"). It follows
// init mode's rules (the terminal, inherited descriptors, signals, exit code: os/foreground-child.ts)
// and the daemon (daemon.ts) ties its end to tsvisor's: when CMD ends the programs stop and tsvisor
// exits with CMD's code. It starts once every autostart program has settled, when tsvisor would
// tell systemd READY=1 (systemd/readiness.ts), as s6-overlay starts CMD once the services are up.
import type { ConsolaInstance } from "consola";
import { nameForLog } from "./os/command-check.ts";
import { describeForeignProgram } from "./os/elf-machine.ts";
import { ignoreTerminalStopSignals } from "./os/exec-child.ts";
import { spawnForegroundChild, takeBackTerminal } from "./os/foreground-child.ts";
import { sendSignal } from "./os/kill.ts";
import { signalNumber } from "./os/signals.ts";
import { SpawnError } from "./os/spawn.ts";
import { type ExitStatus, cannotStartExitCode, describeExit, exitedWith, killedBy, shellExitCode } from "./supervisor/exit-status.ts";
import type { ProcessState } from "./supervisor/states.ts";
import { ReadinessLatch } from "./systemd/readiness.ts";

/** What CMD needs of the supervisor (supervisor.ts's Supervisor has it). */
export interface ProgramsView {
  snapshot(): { name: string; state: ProcessState }[];
  onChange(listener: () => void): () => void;
}

/** How long CMD has after SIGTERM when tsvisor stops it (a critical program ended, `tsvisor shutdown`). */
export const MAIN_COMMAND_STOP_WAIT_MS = 10_000; // supervisord's stopwaitsecs default

export class MainCommand {
  private pid: number | null = null;
  private state: "waiting" | "running" | "ended" | "cancelled" = "waiting";
  private resolveEnd!: (code: number) => void;
  /** CMD's exit code (128 + N for a death by signal N; 127/126 when it could not be started). */
  readonly ended = new Promise<number>((resolve) => (this.resolveEnd = resolve));

  constructor(
    private readonly argv: string[],
    private readonly options: { logger: ConsolaInstance; env: Record<string, string | undefined> },
  ) {}

  /** The name in log lines: "CMD sh"; quoted when it holds a control character (a newline would forge a line). */
  get label(): string {
    return `CMD ${nameForLog(this.argv[0] ?? "")}`;
  }

  /** Is CMD running or about to start (signals then go to it)? */
  get active(): boolean {
    return this.state === "waiting" || this.state === "running";
  }

  /** Start CMD once every autostart program has settled (at once when there are none). */
  startAfter(programs: ProgramsView, autostartNames: readonly string[]): void {
    const latch = new ReadinessLatch(autostartNames);
    if (autostartNames.length > 0) this.options.logger.info(`${this.label} starts once ${autostartNames.length} program(s) are RUNNING (or given up on)`);
    let unsubscribe = () => {};
    // Coalesced in a microtask, as systemd/notifier.ts does: a program cannot pass through RUNNING unseen.
    let scheduled = false;
    const check = () => {
      scheduled = false;
      if (this.state !== "waiting" || !latch.observe(programs.snapshot())) return;
      unsubscribe();
      this.spawn();
    };
    unsubscribe = programs.onChange(() => {
      if (scheduled) return;
      scheduled = true;
      queueMicrotask(check);
    });
    check();
  }

  /** Pass a signal on to CMD; false when there is no CMD to take it (not started, or ended). */
  forward(signal: string): boolean {
    if (this.state !== "running" || this.pid === null) return false;
    sendSignal(this.pid, signal, false);
    return true;
  }

  /** Stop CMD: SIGTERM, SIGKILL after MAIN_COMMAND_STOP_WAIT_MS; one that has not started never will. */
  async stop(): Promise<void> {
    if (this.state === "waiting") {
      this.state = "cancelled";
      return;
    }
    if (this.state !== "running" || this.pid === null) return;
    sendSignal(this.pid, "TERM", false);
    const killer = setTimeout(() => {
      this.options.logger.warn(`${this.label} still running ${MAIN_COMMAND_STOP_WAIT_MS / 1000}s after SIGTERM: killing it`);
      if (this.pid !== null) sendSignal(this.pid, "KILL", false);
    }, MAIN_COMMAND_STOP_WAIT_MS);
    await this.ended;
    clearTimeout(killer);
  }

  private spawn(): void {
    const { logger } = this.options;
    const finish = (status: ExitStatus) => {
      const spawned = this.pid !== null;
      if (spawned) takeBackTerminal(this.pid!);
      this.state = "ended";
      this.pid = null;
      const code = shellExitCode(status, signalNumber);
      logger.info(`exited: ${this.label} (${describeExit(status)})`);
      // the one exec failure the foreground exec can only report as a status (init mode says it too)
      const foreign = spawned && status.code === 126 ? describeForeignProgram(this.argv[0] ?? "", this.options.env) : null;
      if (foreign !== null) logger.error(`${this.label}: ${foreign}`);
      this.resolveEnd(code);
    };
    // CMD may take the terminal's foreground: tsvisor, in the background, must not be stopped for
    // writing a log line to it (init mode does the same).
    ignoreTerminalStopSignals();
    try {
      this.pid = spawnForegroundChild({
        argv: this.argv,
        env: this.options.env,
        onExit: (code, signal) => finish(signal !== null ? killedBy(signal) : exitedWith(code ?? 0)),
      });
      this.state = "running";
      logger.info(`spawned: ${this.label} (pid ${this.pid})`);
    } catch (error) {
      if (!(error instanceof SpawnError)) throw error;
      logger.error(`spawn error: ${this.label}: ${error.message}`);
      finish(exitedWith(cannotStartExitCode(error.errno))); // init mode's codes
    }
  }
}
