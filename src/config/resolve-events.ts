// [[hooks]] and [eventlisteners.NAME] -> their resolved form, every problem reported as a diagnostic
// (resolve.ts does the same for programs). Event names are checked against events/event-types.ts.
import { EVENT_NAMES, expandEventName } from "../events/event-types.ts";
import { EVENT_LISTENER_DEFAULTS, HOOK_DEFAULTS } from "./defaults.ts";
import { dictionary } from "./dictionary.ts";
import { MAX_EVENT_LISTENERS, MAX_HOOKS } from "./limits.ts";
import type { RawEntry } from "./merge.ts";
import type { Reporter } from "./resolve.ts";
import type { EventListenerConfig, HookConfig } from "./schema.ts";
import { didYouMean, unknownKey } from "./suggest.ts";
import { ValueError, eachElement, show } from "./value-error.ts";
import * as values from "./values.ts";

const HOOK_KEYS = ["on", "programs", "command", "url", "timeout"];
const LISTENER_KEYS = ["command", "events", "buffer_size"];

// Every [[hooks]] table; `processNames` are the names `programs` may use (process and program names).
export function resolveHooks(entries: readonly RawEntry[], processNames: readonly string[], report: Reporter): HookConfig[] {
  const hooks: HookConfig[] = [];
  if (entries.length > MAX_HOOKS) {
    const { file } = entries[MAX_HOOKS]!;
    report.add(file, ["hooks", String(MAX_HOOKS)], `the config has ${entries.length} [[hooks]]; at most ${MAX_HOOKS} are allowed`, {
      hint: "one hook may name several events in `on` and several programs in `programs`",
    });
  }
  entries.slice(0, MAX_HOOKS).forEach(({ file, value }, index) => {
    const at = ["hooks", String(index)];
    const table = report.convert(file, at, () => values.table(value));
    if (table === undefined) return;
    const hook: HookConfig = { on: [], programs: [...HOOK_DEFAULTS.programs], command: null, url: null, timeout: HOOK_DEFAULTS.timeout };
    for (const [key, v] of Object.entries(table)) {
      const path = [...at, key];
      if (key === "on") hook.on = report.convert(file, path, () => eventNames(v)) ?? [];
      else if (key === "programs") hook.programs = report.convert(file, path, () => programNames(v, processNames)) ?? [];
      else if (key === "command") hook.command = report.convert(file, path, () => values.command(v)) ?? null;
      else if (key === "url") hook.url = report.convert(file, path, () => url(v)) ?? null;
      else if (key === "timeout") hook.timeout = report.convert(file, path, () => positiveDuration(v)) ?? HOOK_DEFAULTS.timeout;
      else report.add(file, path, () => unknownKey(key, HOOK_KEYS));
    }
    if (!Object.hasOwn(table, "on")) report.add(file, at, `missing required key "on"`, { hint: 'add on = ["PROCESS_STATE_FATAL"] (the events that run the hook)' });
    if (Object.hasOwn(table, "command") === Object.hasOwn(table, "url")) {
      report.add(file, at, "a hook needs exactly one of command and url", { hint: 'command = ["/usr/local/bin/notify"] runs a program; url = "http://…" POSTs the event' });
    }
    hooks.push(hook);
  });
  return hooks;
}

// Every [eventlisteners.NAME] table.
export function resolveEventListeners(entries: ReadonlyMap<string, RawEntry>, report: Reporter): Record<string, EventListenerConfig> {
  const listeners = dictionary<EventListenerConfig>();
  let count = 0;
  for (const [name, { file, value }] of entries) {
    const at = ["eventlisteners", name];
    if (++count > MAX_EVENT_LISTENERS) {
      report.add(file, at, `the config has ${entries.size} [eventlisteners.NAME] tables; at most ${MAX_EVENT_LISTENERS} are allowed`, {
        hint: "one listener may subscribe to several events",
      });
      break;
    }
    const table = report.convert(file, at, () => values.table(value));
    if (table === undefined) continue;
    const listener: EventListenerConfig = { command: [], events: [], buffer_size: EVENT_LISTENER_DEFAULTS.buffer_size };
    for (const [key, v] of Object.entries(table)) {
      const path = [...at, key];
      if (key === "command") listener.command = report.convert(file, path, () => values.command(v)) ?? [];
      else if (key === "events") listener.events = report.convert(file, path, () => eventNames(v)) ?? [];
      else if (key === "buffer_size") listener.buffer_size = report.convert(file, path, () => values.integer(v, 1, 100_000)) ?? listener.buffer_size;
      else report.add(file, path, () => unknownKey(key, LISTENER_KEYS));
    }
    for (const key of ["command", "events"]) {
      if (!Object.hasOwn(table, key)) report.add(file, at, `missing required key ${show(key)}`, { hint: 'e.g. command = ["python3", "listener.py"] and events = ["PROCESS_STATE"]' });
    }
    listeners[name] = listener;
  }
  return listeners;
}

// A non-empty array of event type or class names (a single string is taken as a one-name list).
function eventNames(value: unknown): string[] {
  const names = typeof value === "string" ? [value] : value;
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === "string")) {
    throw new ValueError(`expected a non-empty array of event names; got ${show(value)}`, { hint: `e.g. ["PROCESS_STATE_FATAL", "PROCESS_STATE_EXITED"]` });
  }
  return eachElement(names as string[], (name) => {
    if (expandEventName(name) === null) throw new ValueError(`unknown event ${show(name)}${didYouMean(name, EVENT_NAMES) || `; allowed: ${EVENT_NAMES.join(" ")}`}`);
    return name;
  });
}

function programNames(value: unknown, known: readonly string[]): string[] {
  if (!Array.isArray(value) || !value.every((n) => typeof n === "string" && n !== "")) {
    throw new ValueError(`expected an array of process or program names; got ${show(value)}`);
  }
  return eachElement(value as string[], (name) => {
    if (!known.includes(name)) throw new ValueError(`no process or program named ${show(name)}${didYouMean(name, known) || `; known: ${known.join(" ")}`}`);
    return name;
  });
}

function url(value: unknown): string {
  const text = values.text(value);
  if (/^https?:\/\/[^\s/]+/.test(text)) return text;
  throw new ValueError(`expected an http:// or https:// URL; got ${show(value)}`);
}

function positiveDuration(value: unknown): number {
  const seconds = values.duration(value);
  if (seconds > 0) return seconds;
  throw new ValueError(`expected a duration above 0; got ${show(value)}`);
}
