// `tsvisor top [-d SECONDS]`: a live full-screen view of every process for an ops shell, pm2 monit's
// and process-compose's TUI's job: a row per process with sparklines of its CPU and memory, the last
// events, keys to sort, filter, start/stop/restart (asking first) and follow a log. Over the control
// socket like every client command (the same owner-only rule). _top-model.ts decides, _top-render.ts
// draws, _terminal.ts takes and gives back the terminal; this file talks to the daemon and the log.
import { defineCommand } from "citty";
import { wantsColour } from "../colour.ts";
import { sendRequest } from "../control/client.ts";
import type { Request, Response } from "../control/protocol.ts";
import { TsvisorError } from "../errors.ts";
import { follow, lastLines } from "../logs/tail.ts";
import { configArgs, socketArgs } from "./_args.ts";
import { fail } from "./_exit.ts";
import { decodeKeys } from "./_keys.ts";
import { describeError, renderOutcome } from "./_render.ts";
import { findSocket, refused } from "./_request.ts";
import { takeTerminal, type Terminal } from "./_terminal.ts";
import {
  applyEvents, applyHistory, applyLogError, applyLogText, applyStatus, handleKey, newTopModel, PANE_EVENTS, type Effect, type TopModel,
} from "./_top-model.ts";
import { renderTop } from "./_top-render.ts";
import { openProcessLog } from "./logs.ts";

// A reply slower than this counts as "no answer" (the screen says so and keeps trying).
const REQUEST_TIMEOUT_MS = 5000;
// Samples asked for on the first refresh: enough for the widest sparkline at a 5 s interval.
const FIRST_HISTORY_MS = 5 * 60_000;
// How far back each later history request reaches before the previous one: a sample recorded in the
// same millisecond as an answer is not lost (the model drops what it already has).
const HISTORY_OVERLAP_MS = 2000;

export default defineCommand({
  meta: { name: "top", description: "A live full-screen view of every process: CPU and memory sparklines, events, keys to act on one (q quits)" },
  args: {
    interval: { type: "string", alias: "d", description: "seconds between refreshes (default 1)", valueHint: "SECONDS" },
    ...socketArgs,
    ...configArgs,
  },
  async run({ args }) {
    try {
      const intervalMs = parseInterval(args.interval);
      if (!process.stdin.isTTY || !process.stdout.isTTY) {
        throw new TsvisorError("USAGE", "tsvisor top needs a terminal for its input and output", "in a script, use tsvisor status --json or tsvisor events -f");
      }
      const socket = await findSocket(args);
      // the first answer before the screen is taken: a daemon that cannot be reached is said on the shell's screen
      const first = await sendRequest(socket, { op: "status" }, { timeoutMs: REQUEST_TIMEOUT_MS });
      if (!first.ok) return refused(first.error);
      await new TopSession(socket, args, intervalMs, applyStatus(newTopModel(), first.result.processes, Date.now())).run();
    } catch (error) {
      fail(error);
    }
  },
});

function parseInterval(text: string | undefined): number {
  if (text === undefined) return 1000;
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || seconds < 0.2 || seconds > 3600) {
    throw new TsvisorError("USAGE", `-d expects seconds between refreshes, from 0.2 to 3600; got ${JSON.stringify(text)}`);
  }
  return seconds * 1000;
}

class TopSession {
  private terminal!: Terminal;
  private historySince = Date.now() - FIRST_HISTORY_MS;
  private eventsOpen = false;
  /** The daemon's sample_interval, from its history answers: CPU and memory change no faster. */
  private sampleIntervalMs = 0;
  private lastAsked = 0;
  /** An event came since the last answers: the rows have changed. */
  private stale = false;
  private staleTimer: Timer | undefined;
  private log: AbortController | null = null;
  private drawPending = false;
  private readonly colour = wantsColour(process.stdout);
  private readonly fullScreen = process.env.TERM !== "dumb";

  constructor(private readonly socket: string, private readonly args: { config?: string | undefined }, private readonly intervalMs: number, private model: TopModel) {}

  async run(): Promise<void> {
    this.terminal = takeTerminal({ fullScreen: this.fullScreen, onKeys: (text) => this.keys(text), onResize: () => this.draw() });
    process.on("SIGWINCH", () => this.draw());
    for (const [signal, n] of [["SIGTERM", 15], ["SIGHUP", 1], ["SIGINT", 2]] as const) process.on(signal, () => this.quit(128 + n));
    this.draw();
    await this.refresh();
    setInterval(() => this.tick(), this.intervalMs);
    await new Promise(() => {}); // until quit() exits
  }

  // Every refresh the screen is drawn (uptimes and the clock move on); the daemon is asked again only
  // when something can have changed: a new sample (every sample_interval), or an event (states). So
  // `top -d 1` asks a daemon that samples every 5 s once in 5 s, not 5 times (bench/results/top.md).
  private tick(): void {
    if (this.stale || !this.eventsOpen || Date.now() - this.lastAsked >= Math.max(this.intervalMs, this.sampleIntervalMs) - 50) void this.refresh();
    else this.draw();
  }

  // status and new samples, one request each (and the events stream, while it is not open)
  private async refresh(): Promise<void> {
    const asked = Date.now();
    this.lastAsked = asked;
    this.stale = false;
    try {
      const [status, history] = await Promise.all([
        this.ask({ op: "status" }),
        this.ask({ op: "history", since: this.historySince }),
      ]);
      if (status.ok) this.model = applyStatus(this.model, status.result.processes, Date.now());
      if (history.ok) {
        this.model = applyHistory(this.model, history.result.processes);
        this.historySince = asked - HISTORY_OVERLAP_MS;
        this.sampleIntervalMs = history.result.processes[0]?.sample_interval_ms ?? 0;
      }
      if (!this.eventsOpen) await this.followEvents();
    } catch (error) {
      this.model = { ...this.model, lost: `no answer from tsvisor (${(error as Error).message}); trying again` };
    }
    this.draw();
  }

  private ask<O extends Request["op"]>(request: Extract<Request, { op: O }>): Promise<Response<O>> {
    return sendRequest(this.socket, request, { timeoutMs: REQUEST_TIMEOUT_MS });
  }

  // The recent state and health events, then each new one, on a connection of its own; when it
  // closes (tsvisor restarted) the next refresh opens another and the pane starts over from its reply.
  private async followEvents(): Promise<void> {
    this.eventsOpen = true;
    try {
      const reply = await sendRequest(this.socket, { op: "events", types: ["PROCESS_STATE", "HEALTH"], follow: true }, {
        stream: {
          onEvent: ({ event }) => {
            this.model = applyEvents(this.model, [event]);
            this.draw();
            this.soon();
          },
          onClose: () => void (this.eventsOpen = false),
        },
      });
      if (reply.ok) this.model = { ...this.model, events: reply.result.events.slice(-PANE_EVENTS) };
    } catch (error) {
      this.eventsOpen = false;
      throw error;
    }
  }

  // A burst of events (a group restarting) is one refresh, a tenth of a second after the first.
  private soon(): void {
    this.stale = true;
    this.staleTimer ??= setTimeout(() => {
      this.staleTimer = undefined;
      void this.refresh();
    }, 100);
  }

  private keys(text: string): void {
    for (const key of decodeKeys(text)) {
      const { model, effect } = handleKey(this.model, key);
      this.model = model;
      if (effect) this.perform(effect);
    }
    this.draw();
  }

  private perform(effect: Effect): void {
    switch (effect.kind) {
      case "quit":
        return this.quit(0);
      case "act":
        return void this.act(effect.verb, effect.name);
      case "openLog":
        return void this.followLog(effect.name, effect.stream);
      case "closeLog":
        this.log?.abort();
        this.log = null;
        return;
      default:
        return effect satisfies never;
    }
  }

  // start/stop/restart, waiting for the outcome; the answer in supervisorctl's words in the footer.
  private async act(verb: "start" | "stop" | "restart", name: string): Promise<void> {
    let message: string;
    try {
      const reply = await this.ask({ op: verb, names: [name], wait: true });
      message = reply.ok ? reply.result.outcomes.map((o) => renderOutcome(o, verb, true)).join("; ") : `${name}: ERROR (${describeError(reply.error)})`;
    } catch (error) {
      message = `${name}: ${(error as Error).message}`;
    }
    this.model = { ...this.model, message };
    await this.refresh();
  }

  // The pane follows the log as `tsvisor logs -f` does (the same reading code): the last lines, then
  // each new one, across rotations, until the pane is closed or shows another log.
  private async followLog(name: string, stream: "stdout" | "stderr"): Promise<void> {
    this.log?.abort();
    const abort = (this.log = new AbortController());
    const decoder = new TextDecoder();
    const take = (data: Buffer) => {
      if (abort.signal.aborted) return;
      this.model = applyLogText(this.model, decoder.decode(data, { stream: true }));
      this.draw();
    };
    try {
      const { cursor, backups } = await openProcessLog(this.args, name, stream);
      take(lastLines(cursor, backups, this.terminal.height));
      await follow(cursor, take, abort.signal);
    } catch (error) {
      if (abort.signal.aborted) return;
      const hint = error instanceof TsvisorError && error.hint ? ` (${error.hint})` : "";
      this.model = applyLogError(this.model, `${(error as Error).message}${hint}`);
      this.draw();
    }
  }

  // One draw per turn of the event loop, however many updates came in it (a burst of log lines).
  private draw(): void {
    if (this.drawPending) return;
    this.drawPending = true;
    setImmediate(() => {
      this.drawPending = false;
      const { width, height } = this.terminal;
      this.terminal.draw(renderTop(this.model, { width, height, colour: this.colour, styles: this.fullScreen, now: Date.now() }));
    });
  }

  private quit(code: number): void {
    this.log?.abort();
    this.terminal.restore();
    process.exit(code);
  }
}
