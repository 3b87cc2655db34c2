// [[hooks]]: on a matching event, run a command (event JSON on stdin, TSVISOR_EVENT_* in its
// environment) or POST the JSON to a URL. Runs are queued and done a few at a time, each within its
// timeout; a failing, hanging or unreachable hook is logged and never holds up supervision.
import type { ConsolaInstance } from "consola";
import type { HookConfig } from "../config/schema.ts";
import { sendSignal } from "../os/kill.ts";
import { abortSignalAfter, setLongTimeout, type LongTimer } from "../os/long-timer.ts";
import { spawnChild } from "../os/spawn.ts";
import { concernsNames, type TsvisorEvent } from "./event.ts";
import { expandEventName } from "./event-types.ts";
import { eventEnvironment } from "./hook-environment.ts";
import { RepeatedWarnings } from "./repeated-warnings.ts";

/** Hook runs at the same time; more wait in the queue. */
export const MAX_CONCURRENT_HOOKS = 4;
/**
 * Runs waiting beyond this are dropped (and logged): a burst of events must not grow memory without
 * bound. Each source has a queue of its own with this bound: every program's log lines (PROCESS_LOG_*),
 * and every other event (state changes, tsvisor's own). So a program that floods its output can drop
 * only its own log hooks, never another program's, nor a state change (red-team F13).
 */
export const MAX_QUEUED_HOOKS = 1000;
/**
 * And beyond this many bytes of event data waiting in one queue: a log event carries up to 1 MiB of a
 * program's output, so 1,000 of them were a GiB that any user's program could make root's tsvisor hold
 * (red team, 2026-12-07). A queue holding nothing takes one run whatever its size.
 */
export const MAX_QUEUED_HOOK_BYTES = 8 * 1024 * 1024;
/** A URL hook is tried this many times in all, waiting 1 s, 2 s, … between tries. */
export const URL_ATTEMPTS = 3;

export interface HookRunnerOptions {
  logger: ConsolaInstance;
  /** The environment of hook commands, under TSVISOR_EVENT_*. */
  env: Record<string, string | undefined>;
  /** Between URL tries, multiplied by the try number. */
  retryDelayMs?: number;
}

type HookRun = [HookConfig, TsvisorEvent];

export class HookRunner {
  /** Runs waiting for events other than log lines: run first, in order. */
  private readonly events: HookRun[] = [];
  /** Runs waiting for log lines, one queue per program: taken in turn, so one program cannot crowd out the others. */
  private readonly logLines = new Map<string, HookRun[]>();
  /** The bytes of event data each queue holds (a run's share: its event's data, counted for each hook it waits for). */
  private readonly queuedBytes = new Map<HookRun[], number>();
  private running = 0;
  /** Hook commands running now, by pid: killed at shutdown so none outlives tsvisor. */
  private readonly children = new Set<number>();
  private closed = false;
  /** `hook failed` and `hook dropped`: at most a line a minute per hook and source (a program's output, or other events). */
  private readonly warnings: RepeatedWarnings;

  constructor(private readonly hooks: readonly HookConfig[], private readonly options: HookRunnerOptions) {
    this.warnings = new RepeatedWarnings((line) => options.logger.warn(line));
  }

  /** Drop what waits and SIGKILL every hook command still running (tsvisor is exiting). */
  close(): void {
    this.closed = true;
    this.events.length = 0;
    this.logLines.clear();
    this.queuedBytes.clear();
    this.warnings.close();
    for (const pid of this.children) sendSignal(pid, "KILL", true);
  }

  /** Queue every hook that wants this event; returns at once. */
  handle(event: TsvisorEvent): void {
    if (this.closed) return;
    for (const hook of this.hooks) {
      if (!hookWants(hook, event)) continue;
      const queue = this.queueFor(event);
      const bytes = this.queuedBytes.get(queue) ?? 0;
      const full = queue.length >= MAX_QUEUED_HOOKS ? `${MAX_QUEUED_HOOKS} hook runs`
        : bytes > 0 && bytes + dataBytes(event) > MAX_QUEUED_HOOK_BYTES ? `${(bytes / 2 ** 20).toFixed(1)} MiB of event data in hook runs` : null;
      if (full !== null) {
        const whose = isLogLine(event) ? `for ${event.program}'s output` : "for events other than output";
        this.warn("dropped", hook, event, `hook dropped: ${describeHook(hook)} for ${event.type} (${full} already waiting ${whose})`);
        continue;
      }
      queue.push([hook, event]);
      this.queuedBytes.set(queue, bytes + dataBytes(event));
    }
    this.pump();
  }

  private queueFor(event: TsvisorEvent): HookRun[] {
    if (!isLogLine(event)) return this.events;
    const key = event.program ?? "";
    let queue = this.logLines.get(key);
    if (queue === undefined) this.logLines.set(key, (queue = []));
    return queue;
  }

  // The next run: events other than log lines first, then the program whose log lines waited longest
  // since its last turn (it goes to the back of the Map's order).
  private next(): HookRun | undefined {
    if (this.events.length > 0) return this.taken(this.events, this.events.shift()!);
    for (const [key, queue] of this.logLines) {
      this.logLines.delete(key);
      const run = queue.shift();
      if (queue.length > 0) this.logLines.set(key, queue);
      if (run !== undefined) return this.taken(queue, run);
    }
    return undefined;
  }

  // `run` has left `queue`: its bytes no longer wait there.
  private taken(queue: HookRun[], run: HookRun): HookRun {
    const left = (this.queuedBytes.get(queue) ?? 0) - dataBytes(run[1]);
    if (queue.length === 0 || left <= 0) this.queuedBytes.delete(queue);
    else this.queuedBytes.set(queue, left);
    return run;
  }

  private pump(): void {
    while (this.running < MAX_CONCURRENT_HOOKS) {
      const next = this.next();
      if (next === undefined) return;
      const [hook, event] = next;
      this.running++;
      void this.run(hook, event)
        .catch((error: Error) => this.warn("failed", hook, event, `hook failed: ${describeHook(hook)} for ${event.type}: ${error.message}`))
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }

  // Kinds as the queues are: one program's output failing or flooding a hook cannot hide the first
  // warning about that hook for another program, or for a state change.
  private warn(what: "failed" | "dropped", hook: HookConfig, event: TsvisorEvent, line: string): void {
    const source = isLogLine(event) ? `output of ${event.program}` : "events";
    this.warnings.report(`${what} ${this.hooks.indexOf(hook)} ${source}`, line);
  }

  private run(hook: HookConfig, event: TsvisorEvent): Promise<void> {
    return hook.command !== null ? this.runCommand(hook, hook.command, event) : this.post(hook, hook.url!, event);
  }

  // Resolves when the command has ended; a command still running at its timeout is SIGKILLed with its group.
  private runCommand(hook: HookConfig, argv: string[], event: TsvisorEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      let timedOut = false;
      let timer: LongTimer | undefined;
      const child = spawnChild({
        argv, cwd: null, env: { ...definedOnly(this.options.env), ...eventEnvironment(event) }, credentials: null, umask: null,
        output: "inherit", stdin: new TextEncoder().encode(`${JSON.stringify(event)}\n`),
        onExit: (code, signal) => {
          timer?.cancel();
          this.children.delete(child.pid);
          if (timedOut) return reject(new Error(`killed after its timeout of ${hook.timeout}s`));
          if (signal !== null) return reject(new Error(`terminated by SIG${signal}`));
          if (code !== 0) return reject(new Error(`exit status ${code}`));
          resolve();
        },
      });
      this.children.add(child.pid);
      timer = setLongTimeout(() => {
        timedOut = true;
        sendSignal(child.pid, "KILL", true); // spawnChild made it a group leader: its children go too
      }, hook.timeout * 1000);
    });
  }

  // POST the JSON; a network error, a timeout or a non-2xx answer is tried again, URL_ATTEMPTS in all.
  private async post(hook: HookConfig, url: string, event: TsvisorEvent): Promise<void> {
    let why = "";
    for (let attempt = 1; attempt <= URL_ATTEMPTS; attempt++) {
      try {
        const response = await fetch(url, {
          method: "POST", headers: { "content-type": "application/json", "user-agent": "tsvisor" },
          body: JSON.stringify(event), signal: abortSignalAfter(hook.timeout * 1000),
        });
        await response.arrayBuffer().catch(() => {});
        if (response.ok) return;
        why = `HTTP ${response.status}`;
      } catch (error) {
        why = (error as Error).name === "TimeoutError" ? `no answer within ${hook.timeout}s` : (error as Error).message;
      }
      if (attempt < URL_ATTEMPTS) await Bun.sleep((this.options.retryDelayMs ?? 1000) * attempt);
    }
    throw new Error(`${why} (${URL_ATTEMPTS} tries)`);
  }
}

// Does the hook want this event: its type is in `on`, and it concerns one of `programs` (if any)?
export function hookWants(hook: HookConfig, event: TsvisorEvent): boolean {
  if (!hook.on.some((name) => expandEventName(name)?.includes(event.type))) return false;
  return hook.programs.length === 0 || (event.program !== null && concernsNames(event, hook.programs));
}

const describeHook = (hook: HookConfig) => (hook.command !== null ? JSON.stringify(hook.command.join(" ")) : hook.url!);

/** tsvisor's environment without its unset entries, for the commands of hooks and listeners. */
// Object.fromEntries defines each name as its own entry: a variable called __proto__ stays a variable.
export function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

// A line of a program's output: the one event a program can make as fast as it likes.
function isLogLine(event: TsvisorEvent): boolean {
  return event.type === "PROCESS_LOG_STDOUT" || event.type === "PROCESS_LOG_STDERR";
}

// What an event holds beyond its few fields: the output lines of PROCESS_LOG_*, a client's
// REMOTE_COMMUNICATION data (UTF-16 units, near enough to bytes for a bound).
function dataBytes(event: TsvisorEvent): number {
  return "data" in event && typeof event.data === "string" ? event.data.length : 0;
}
