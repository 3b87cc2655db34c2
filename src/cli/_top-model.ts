// What `tsvisor top` shows and what its keys do, as pure functions of a model: the daemon's answers
// (status, history samples, events) come in through apply*(), each key through handleKey(), which
// says what to do (an action on a process, the log pane) and never does it; top.ts does the I/O.
import type { EventRecord, ProcessHistory, ProcessStatus } from "../control/protocol.ts";
import { showControls } from "../logs/terminal-text.ts";
import type { Key } from "./_keys.ts";

/** How the rows are ordered; `config` is the config's order, the others highest first. */
export const SORT_KEYS = ["config", "name", "cpu", "memory", "restarts", "uptime", "state"] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export type Verb = "start" | "stop" | "restart";
const VERB_KEYS: Record<string, Verb> = { s: "start", x: "stop", r: "restart" };
const DOING: Record<Verb, string> = { start: "starting", stop: "stopping", restart: "restarting" };

/** Samples kept per process for its sparklines: more than the widest terminal shows. */
export const SPARK_SAMPLES = 120;
/** Events kept for the events pane. */
export const PANE_EVENTS = 200;
/** Log lines kept for the log pane. */
export const PANE_LOG_LINES = 500;

export interface Spark {
  cpu: (number | null)[];
  memory: number[];
  /** Time of the newest sample taken in. */
  last: number;
}

export type Mode =
  | { kind: "normal" }
  | { kind: "filter"; text: string }
  | { kind: "confirm"; verb: Verb; name: string };

export interface LogPane {
  name: string;
  stream: "stdout" | "stderr";
  lines: string[];
  /** The last line while it has no newline yet. */
  partial: string;
  /** Why the log cannot be shown (no log file, no config); null while it is being followed. */
  error: string | null;
}

export interface TopModel {
  /** The daemon's status, in config order. */
  processes: ProcessStatus[];
  /** When `processes` were fetched (uptimes count on from there). */
  fetchedAt: number;
  spark: ReadonlyMap<string, Spark>;
  events: EventRecord[];
  /** The selected process, by name: it stays selected when the rows move. */
  selected: string | null;
  sort: SortKey;
  filter: string;
  mode: Mode;
  /** What the last action said ("web: restarted"), until the next key. */
  message: string | null;
  log: LogPane | null;
  /** Why the daemon does not answer; null while it does. */
  lost: string | null;
}

/** What a key asks top.ts to do besides changing the model. */
export type Effect =
  | { kind: "quit" }
  | { kind: "act"; verb: Verb; name: string }
  | { kind: "openLog"; name: string; stream: "stdout" | "stderr" }
  | { kind: "closeLog" };

export function newTopModel(): TopModel {
  return {
    processes: [], fetchedAt: 0, spark: new Map(), events: [], selected: null, sort: "config", filter: "", mode: { kind: "normal" },
    message: null, log: null, lost: null,
  };
}

// The daemon's status: the rows, and the selection kept on its process (the first row when it is gone).
export function applyStatus(model: TopModel, processes: ProcessStatus[], now: number): TopModel {
  const next = { ...model, processes, fetchedAt: now, lost: null };
  const rows = visibleRows(next);
  if (next.selected === null || !rows.some((p) => p.name === next.selected)) next.selected = rows[0]?.name ?? null;
  return next;
}

// New samples from the `history` op: each process's series get what is newer than what they have.
export function applyHistory(model: TopModel, histories: readonly ProcessHistory[]): TopModel {
  const spark = new Map(model.spark);
  for (const h of histories) {
    const old = spark.get(h.name) ?? { cpu: [], memory: [], last: 0 };
    const fresh = h.samples.time.flatMap((t, i) => (t > old.last ? [i] : []));
    if (fresh.length === 0) continue;
    spark.set(h.name, {
      cpu: [...old.cpu, ...fresh.map((i) => h.samples.cpu_percent[i]!)].slice(-SPARK_SAMPLES),
      memory: [...old.memory, ...fresh.map((i) => h.samples.memory_bytes[i]!)].slice(-SPARK_SAMPLES),
      last: h.samples.time[fresh.at(-1)!]!,
    });
  }
  return { ...model, spark };
}

export function applyEvents(model: TopModel, events: readonly EventRecord[]): TopModel {
  return { ...model, events: [...model.events, ...events].slice(-PANE_EVENTS) };
}

// New text of the followed log: whole lines, control characters made visible (a program's output
// must not steer the operator's terminal), the last PANE_LOG_LINES kept.
export function applyLogText(model: TopModel, text: string): TopModel {
  if (model.log === null) return model;
  const parts = (model.log.partial + text).split("\n");
  const partial = parts.pop()!;
  const lines = [...model.log.lines, ...parts.map(visible)].slice(-PANE_LOG_LINES);
  return { ...model, log: { ...model.log, lines, partial } };
}

// The log pane cannot show the log: why.
export function applyLogError(model: TopModel, error: string): TopModel {
  return model.log === null ? model : { ...model, log: { ...model.log, error } };
}

/** A line with every control character shown as a caret sequence (^[ for ESC), tabs as spaces. */
export function visible(line: string): string {
  return showControls(line.replace(/\t/g, "    ")).replace(/\n/g, "^J");
}

// The rows as shown: those the filter matches (a part of the name, any case), in the chosen order.
export function visibleRows(model: TopModel): ProcessStatus[] {
  const filter = model.filter.toLowerCase();
  const rows = model.processes.filter((p) => p.name.toLowerCase().includes(filter));
  const by: Record<SortKey, ((p: ProcessStatus) => number | string) | null> = {
    config: null, name: (p) => p.name, cpu: (p) => -(p.cpu_percent ?? -1), memory: (p) => -(p.pss_bytes ?? p.rss_bytes ?? -1),
    restarts: (p) => -p.restarts, uptime: (p) => -(p.uptime_ms ?? -1), state: (p) => p.state,
  };
  const key = by[model.sort];
  if (key === null) return rows;
  // a stable sort: equal rows keep the config's order
  return rows.map((p, i) => ({ p, i, k: key(p) })).sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i)).map((r) => r.p);
}

// One key -> the next model, and what to do.
export function handleKey(model: TopModel, key: Key): { model: TopModel; effect?: Effect } {
  const m = { ...model, message: null };
  if (key === "ctrl-c") return { model: m, effect: { kind: "quit" } };
  if (m.mode.kind === "filter") return { model: filterKey(m, m.mode.text, key) };
  if (m.mode.kind === "confirm") {
    const { verb, name } = m.mode;
    const yes = typeof key === "object" && (key.char === "y" || key.char === "Y");
    return yes
      ? { model: { ...m, mode: { kind: "normal" }, message: `${name}: ${DOING[verb]}…` }, effect: { kind: "act", verb, name } }
      : { model: { ...m, mode: { kind: "normal" }, message: `${verb} ${name}: not done` } };
  }
  switch (key) {
    case "up": return { model: moveSelection(m, -1) };
    case "down": return { model: moveSelection(m, 1) };
    case "pageup": return { model: moveSelection(m, -10) };
    case "pagedown": return { model: moveSelection(m, 10) };
    case "home": return { model: moveSelection(m, -Infinity) };
    case "end": return { model: moveSelection(m, Infinity) };
    case "enter": return openLog(m);
    case "escape":
      if (m.log) return { model: { ...m, log: null }, effect: { kind: "closeLog" } };
      return { model: { ...m, filter: "" } };
    case "tab":
      if (!m.log) return { model: m };
      return openLog({ ...m, selected: m.log.name }, m.log.stream === "stdout" ? "stderr" : "stdout");
    case "backspace": return { model: m };
    default:
  }
  const c = key.char;
  if (c === "q") return { model: m, effect: { kind: "quit" } };
  if (c === "k") return { model: moveSelection(m, -1) };
  if (c === "j") return { model: moveSelection(m, 1) };
  if (c === "o") return { model: { ...m, sort: SORT_KEYS[(SORT_KEYS.indexOf(m.sort) + 1) % SORT_KEYS.length]! } };
  if (c === "/") return { model: { ...m, mode: { kind: "filter", text: m.filter } } };
  if (c === "l") return m.log ? { model: { ...m, log: null }, effect: { kind: "closeLog" } } : openLog(m);
  const verb = VERB_KEYS[c];
  if (verb !== undefined && Object.hasOwn(VERB_KEYS, c) && m.selected !== null) return { model: { ...m, mode: { kind: "confirm", verb, name: m.selected } } };
  return { model: m };
}

// Typing a filter: it applies as it is typed; Enter keeps it, Escape drops it.
function filterKey(m: TopModel, text: string, key: Key): TopModel {
  if (key === "enter") return { ...m, mode: { kind: "normal" } };
  if (key === "escape") return keepSelection({ ...m, mode: { kind: "normal" }, filter: "" });
  const next = key === "backspace" ? [...text].slice(0, -1).join("") : typeof key === "object" ? text + key.char : text;
  return keepSelection({ ...m, mode: { kind: "filter", text: next }, filter: next });
}

// After the rows changed: the selection stays if its row is shown, else goes to the first row.
function keepSelection(m: TopModel): TopModel {
  const rows = visibleRows(m);
  return rows.some((p) => p.name === m.selected) ? m : { ...m, selected: rows[0]?.name ?? null };
}

function moveSelection(m: TopModel, by: number): TopModel {
  const rows = visibleRows(m);
  if (rows.length === 0) return m;
  const at = Math.max(0, rows.findIndex((p) => p.name === m.selected));
  const to = Math.min(rows.length - 1, Math.max(0, at + by));
  return { ...m, selected: rows[to]!.name };
}

function openLog(m: TopModel, stream: "stdout" | "stderr" = "stdout"): { model: TopModel; effect?: Effect } {
  if (m.selected === null) return { model: m };
  return { model: { ...m, log: { name: m.selected, stream, lines: [], partial: "", error: null } }, effect: { kind: "openLog", name: m.selected, stream } };
}
