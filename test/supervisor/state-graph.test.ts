// The drawn state graph cannot drift from the machine: every row of machine.ts's table is fed every
// event in a wide set of situations (records, configs, exits, times), and the hops step() takes must
// be exactly the edges the row declares; docs/states.md must hold the Mermaid text those edges make.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULTS } from "../../src/config/defaults.ts";
import type { ProgramConfig } from "../../src/config/schema.ts";
import { exitedWith, killedBy, type ExitStatus } from "../../src/supervisor/exit-status.ts";
import { newProcessRecord, STATE_EDGES, step, type ProcessEvent, type ProcessRecord } from "../../src/supervisor/machine.ts";
import { graphEdges, renderMermaid } from "../../src/supervisor/state-graph.ts";
import { PROCESS_STATES, type ProcessState } from "../../src/supervisor/states.ts";

const T0 = 1_000_000_000;
const DOC = join(import.meta.dir, "../../docs/states.md");

const product = <T>(dims: Record<string, readonly unknown[]>): T[] =>
  Object.entries(dims).reduce<Record<string, unknown>[]>((all, [key, values]) => all.flatMap((partial) => values.map((v) => ({ ...partial, [key]: v }))), [{}]) as T[];

// Configs that take every branch: startsecs 0 or not, retries left or not, every autorestart, max_runtime, pacing on and off.
const CONFIGS = product<Partial<ProgramConfig>>({
  startsecs: [0, 1], startretries: [0, 3, "unlimited"], autorestart: [true, false, "unexpected"], max_runtime: [null, 10], backoff_delay: [0, 1],
}).map((o): ProgramConfig => ({ ...DEFAULTS.program, command: ["app"], ...o }));

// Records in every situation a row can meet, reachable or not: the graph shows what the code can do.
const RECORDS = (state: ProcessState) =>
  product<Partial<ProcessRecord>>({
    pid: [null, 42], noRestart: [false, true], backoff: [0, 3], shortRuns: [0, 1], startedAt: [null, T0 - 100, T0 - 100_000],
    runningAt: [null, T0 - 100, T0 - 100_000], stopCause: [null, "request", "max_runtime", "exit"],
    pendingExit: [null, { status: exitedWith(1), failedStart: false }, { status: exitedWith(1), failedStart: true }],
  }).map((o): ProcessRecord => ({ ...newProcessRecord("web"), ...o, state }));

const STATUSES: ExitStatus[] = [exitedWith(0), exitedWith(1), killedBy("TERM")];
const EVENTS: ProcessEvent[] = [
  { type: "start" }, { type: "stop" }, { type: "stop", byHand: true }, { type: "shutdown" }, { type: "spawned", pid: 43 },
  { type: "spawnFailed", error: "not found" }, { type: "leftoversGone" },
  ...STATUSES.flatMap((status): ProcessEvent[] => [{ type: "exited", status }, { type: "exited", status, leftovers: [501] }]),
  ...(["startsecs", "backoff", "stopwait", "max_runtime"] as const).map((timer): ProcessEvent => ({ type: "timer", timer })),
];

// Every hop step() takes for (state, event type), over every record and config above.
function hopsTaken(state: ProcessState, type: ProcessEvent["type"]): string[] {
  const hops = new Set<string>();
  const records = RECORDS(state);
  for (const event of EVENTS.filter((e) => e.type === type)) {
    for (const cfg of CONFIGS) {
      for (const record of records) {
        for (const action of step(record, event, cfg, T0).actions) if (action.type === "transition") hops.add(`${action.from} -> ${action.to}`);
      }
    }
  }
  return [...hops].sort();
}

const declared = (state: ProcessState, type: ProcessEvent["type"]) =>
  [...new Set(STATE_EDGES.filter((e) => e.state === state && e.event === type).map((e) => `${e.from} -> ${e.to}`))].sort();

describe("each row of the table takes exactly the edges it declares", () => {
  const rows = PROCESS_STATES.flatMap((state) => [...new Set(EVENTS.map((e) => e.type))].map((type) => [state, type] as const));
  test.each(rows)("%s + %s", (state, type) => {
    expect(hopsTaken(state, type)).toEqual(declared(state, type));
  });
});

test("every state but UNKNOWN is reached, and every cause reads as a Mermaid label", () => {
  const reached = new Set(STATE_EDGES.map((e) => e.to));
  expect(PROCESS_STATES.filter((s) => !reached.has(s))).toEqual(["UNKNOWN"]);
  // Mermaid takes a label to the end of its line; ":" ";" "#" and braces would be read as syntax
  expect(STATE_EDGES.filter((e) => !/^[A-Za-z0-9 _,.()=-]+$/.test(e.cause)).map((e) => e.cause)).toEqual([]);
});

test("docs/states.md holds the Mermaid diagram generated from the table (run `bun scripts/state-graph.ts` to rewrite it)", () => {
  const doc = readFileSync(DOC, "utf8");
  const block = /```mermaid\n([\s\S]*?)```/.exec(doc)?.[1];
  expect(block).toBe(renderMermaid());
});

test("one arrow per pair of states, carrying every cause the table gives for it", () => {
  const arrows = graphEdges();
  expect(new Set(arrows.map((a) => `${a.from}>${a.to}`)).size).toBe(arrows.length);
  expect(arrows.find((a) => a.from === "EXITED" && a.to === "STARTING")?.causes).toEqual(["start by hand", "autorestart"]);
});
