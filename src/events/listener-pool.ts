// One [eventlisteners.NAME]: a supervisord event listener kept running, fed the events it subscribed
// to one at a time when it says READY, and given an event again when it answers FAIL or dies with it.
// Events wait in a buffer of buffer_size while it is busy (the oldest dropped beyond, as supervisord).
import type { ConsolaInstance } from "consola";
import type { EventListenerConfig } from "../config/schema.ts";
import { spawnConversing, type ConversingChild } from "../os/spawn.ts";
import type { TsvisorEvent } from "./event.ts";
import { expandEventName, type EventType } from "./event-types.ts";
import { definedOnly } from "./hooks.ts";
import { supervisorNames } from "../supervisor/program-environment.ts";
import { ListenerReader, envelope } from "./listener-protocol.ts";

// A listener that died is started again after 1 s, 2 s, … (up to a minute) of failures in a row,
// the count reset once it says READY: supervisord restarts listeners too, and a missing command must
// not fill the log every second.
const RESTART_DELAY_MS = 1000;
const MAX_RESTART_DELAY_MS = 60_000;
// A listener asked to stop at shutdown gets this long before SIGKILL.
const STOP_TIMEOUT_MS = 2000;

// supervisord numbers each event once for all pools (GlobalSerial), and once more per pool.
let globalSerial = -1;
const serials = new WeakMap<TsvisorEvent, number>();
const serialOf = (event: TsvisorEvent): number => {
  if (!serials.has(event)) serials.set(event, ++globalSerial);
  return serials.get(event)!;
};

export class ListenerPool {
  private readonly types: Set<EventType>;
  private readonly buffer: [TsvisorEvent, number][] = [];
  private poolSerial = -1;
  private child: ConversingChild | null = null;
  private ready = false;
  private inFlight: [TsvisorEvent, number] | null = null;
  private closed = false;
  private restartTimer: Timer | undefined;
  private failures = 0;

  constructor(private readonly name: string, private readonly config: EventListenerConfig, private readonly options: { logger: ConsolaInstance; env: Record<string, string | undefined> }) {
    this.types = new Set(config.events.flatMap((n) => expandEventName(n) ?? []));
    this.start();
  }

  /** An event from the bus: buffered if the listener subscribed to it, sent when it is READY. */
  handle(event: TsvisorEvent): void {
    if (this.closed || !this.types.has(event.type)) return;
    this.accept([event, ++this.poolSerial], false);
    this.dispatch();
  }

  /** Stop the listener: TERM, then KILL if it lingers. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) return;
    child.kill("TERM");
    const killer = setTimeout(() => child.kill("KILL"), STOP_TIMEOUT_MS);
    await child.exited;
    clearTimeout(killer);
  }

  private accept(entry: [TsvisorEvent, number], head: boolean): void {
    if (this.buffer.length >= this.config.buffer_size) {
      const [dropped] = this.buffer.shift()!;
      this.options.logger.error(`pool ${this.name} event buffer overflowed, discarding event ${serialOf(dropped)}`);
    }
    if (head) this.buffer.unshift(entry);
    else this.buffer.push(entry);
  }

  private dispatch(): void {
    if (!this.ready || !this.child || this.buffer.length === 0) return;
    const entry = this.buffer.shift()!;
    this.ready = false;
    this.inFlight = entry;
    try {
      this.child.stdin.write(envelope(entry[0], serialOf(entry[0]), this.name, entry[1]));
      this.child.stdin.flush();
    } catch {
      // it is dying: its exit hands the event back to the buffer
    }
  }

  private start(): void {
    if (this.closed) return;
    const env: Record<string, string> = { ...definedOnly(this.options.env), ...supervisorNames(this.name, this.name) };
    let child: ConversingChild;
    try {
      child = spawnConversing(this.config.command, env);
    } catch (error) {
      this.scheduleRestart((delay) => this.options.logger.error(`eventlistener ${this.name}: ${(error as Error).message}; trying again in ${delay / 1000}s`));
      return;
    }
    this.child = child;
    this.options.logger.info(`spawned: eventlistener ${this.name} (pid ${child.pid})`);
    void this.readProtocol(child);
    void this.logStderr(child);
    void child.exited.then((code) => this.onExit(child, code));
  }

  private async readProtocol(child: ConversingChild): Promise<void> {
    const reader = new ListenerReader();
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      for (const message of reader.feed(decoder.decode(chunk, { stream: true }))) {
        if (this.child !== child) return;
        if (message.type === "ready") {
          this.ready = true;
          this.failures = 0;
        } else if (message.type === "result") {
          const entry = this.inFlight;
          this.inFlight = null;
          if (entry && message.body !== "OK") {
            this.options.logger.warn(`eventlistener ${this.name}: event ${serialOf(entry[0])} was rejected (${JSON.stringify(message.body)}); it will be sent again`);
            this.accept(entry, true);
          }
        } else {
          this.options.logger.warn(`eventlistener ${this.name}: bad protocol line ${JSON.stringify(message.text)} (a listener writes only READY and RESULT to stdout; log to stderr)`);
        }
      }
      this.dispatch();
    }
  }

  private async logStderr(child: ConversingChild): Promise<void> {
    const decoder = new TextDecoder();
    let partial = "";
    for await (const chunk of child.stderr) {
      const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
      partial = lines.pop()!;
      for (const line of lines) this.options.logger.info(`${this.name} | ${line}`);
    }
    if (partial) this.options.logger.info(`${this.name} | ${partial}`);
  }

  private onExit(child: ConversingChild, code: number): void {
    if (this.child !== child) return;
    this.child = null;
    this.ready = false;
    if (this.inFlight) this.accept(this.inFlight, true);
    this.inFlight = null;
    if (this.closed) return;
    this.scheduleRestart((delay) => this.options.logger.warn(`exited: eventlistener ${this.name} (exit status ${code}); starting it again in ${delay / 1000}s`));
  }

  private scheduleRestart(say: (delayMs: number) => void): void {
    const delay = Math.min(MAX_RESTART_DELAY_MS, RESTART_DELAY_MS * ++this.failures);
    say(delay);
    this.restartTimer = setTimeout(() => this.start(), delay);
  }
}
