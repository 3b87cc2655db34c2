// `tsvisor top`'s pure parts: keys from raw input, sparklines, the model's answer to each key and to
// the daemon's answers, and the screen it draws (every line within the terminal's width, the right
// number of lines, no escape sequence where none may go, a program's output unable to steer it).
import { describe, expect, test } from "bun:test";
import { stripAnsi } from "../../src/colour.ts";
import { decodeKeys } from "../../src/cli/_keys.ts";
import { memoryScale, sparkline } from "../../src/cli/_sparkline.ts";
import { applyHistory, applyLogText, applyStatus, handleKey, newTopModel, visibleRows, type TopModel } from "../../src/cli/_top-model.ts";
import { eventLine, formatDuration, renderTop } from "../../src/cli/_top-render.ts";
import type { Key } from "../../src/cli/_keys.ts";
import type { EventRecord, ProcessHistory, ProcessStatus } from "../../src/control/protocol.ts";

const NOW = Date.UTC(2026, 10, 24, 3, 0, 0);
const MiB = 1024 * 1024;

function status(name: string, overrides: Partial<ProcessStatus> = {}): ProcessStatus {
  return {
    name, group: name, program: name, state: "RUNNING", pid: 100, uptime_ms: 65_000, started_at: NOW - 65_000, stopped_at: null, restarts: 0, last_exit: null, reason: null,
    wanted: true, dropped_log_lines: 0, health: null, health_error: null, cpu_percent: 1, cpu_seconds: 1, rss_bytes: 20 * MiB, peak_rss_bytes: 20 * MiB,
    pss_bytes: 10 * MiB, peak_pss_bytes: 10 * MiB, restarted_because: null, ...overrides,
  };
}

const PROCESSES = [
  status("web", { cpu_percent: 5, pss_bytes: 50 * MiB, restarts: 1 }),
  status("worker", { cpu_percent: 80, pss_bytes: 20 * MiB, restarts: 3 }),
  status("cron", { state: "EXITED", pid: null, uptime_ms: null, cpu_percent: null, pss_bytes: null, rss_bytes: null }),
];
const model = (): TopModel => applyStatus(newTopModel(), PROCESSES, NOW);
const press = (m: TopModel, ...keys: Key[]) => keys.reduce<{ model: TopModel; effects: unknown[] }>((acc, key) => {
  const r = handleKey(acc.model, key);
  return { model: r.model, effects: r.effect ? [...acc.effects, r.effect] : acc.effects };
}, { model: m, effects: [] });
const char = (c: string): Key => ({ char: c });

describe("decodeKeys", () => {
  test.each<[string, Key[]]>([
    ["q", [char("q")]],
    ["\u001b[A\u001b[B", ["up", "down"]],
    ["\u001bOA", ["up"]],
    ["\u0003", ["ctrl-c"]],
    ["\u001b", ["escape"]],
    ["ab\r", [char("a"), char("b"), "enter"]],
    ["\u001b[5~\u001b[6~\u001b[H\u001b[F", ["pageup", "pagedown", "home", "end"]],
    ["\u001b[15~x", [char("x")]], // F5, unknown here: dropped whole
    ["\u007f\t", ["backspace", "tab"]],
  ])("%j", (input, keys) => {
    expect(decodeKeys(input)).toEqual(keys);
  });
});

describe("sparkline", () => {
  test("eight heights from the scale's low to its high, the newest on the right, unknown and zero as spaces", () => {
    expect(sparkline([null, 0, 12.5, 25, 50, 100], 8, { low: 0, high: 100 })).toBe("    ▁▂▄█");
  });
  test("a series that hardly moves is flat at half height; memory moving by less than a MiB is noise", () => {
    expect(sparkline([100, 100.5, 100.2], 3, { low: 100, high: 100.5 })).toBe("▄▄▄");
    expect(sparkline([10 * MiB, 10.5 * MiB], 2, memoryScale([10 * MiB, 10.5 * MiB]))).toBe("▄▄");
    expect(sparkline([10 * MiB, 30 * MiB, 50 * MiB], 3, memoryScale([10 * MiB, 30 * MiB, 50 * MiB]))).toBe("▁▄█");
  });
});

describe("keys", () => {
  test("o cycles the order: config, name, CPU, memory, restarts, uptime, state (highest first)", () => {
    const orders: string[][] = [];
    let m = model();
    for (let i = 0; i < 7; i++) {
      orders.push([m.sort, ...visibleRows(m).map((p) => p.name)]);
      m = handleKey(m, char("o")).model;
    }
    expect(orders).toEqual([
      ["config", "web", "worker", "cron"], ["name", "cron", "web", "worker"], ["cpu", "worker", "web", "cron"], ["memory", "web", "worker", "cron"],
      ["restarts", "worker", "web", "cron"], ["uptime", "web", "worker", "cron"], ["state", "cron", "web", "worker"],
    ]);
    expect(m.sort).toBe("config");
  });

  test("the selection moves with the arrows and j/k, stops at the ends, and stays on its process when the order changes", () => {
    const { model: m } = press(model(), "down", "down", "down", char("k"));
    expect(m.selected).toBe("worker");
    expect(press(m, char("o"), char("o")).model.selected).toBe("worker"); // now first, by CPU
  });

  test("r asks first; y restarts the selected process, anything else does nothing", () => {
    const asked = press(model(), "down", char("r"));
    expect(asked.model.mode).toEqual({ kind: "confirm", verb: "restart", name: "worker" });
    expect(press(asked.model, char("y"))).toMatchObject({ effects: [{ kind: "act", verb: "restart", name: "worker" }], model: { message: "worker: restarting…" } });
    expect(press(asked.model, char("n"))).toMatchObject({ effects: [], model: { message: "restart worker: not done", mode: { kind: "normal" } } });
    expect(press(model(), char("x"), char("y")).effects).toEqual([{ kind: "act", verb: "stop", name: "web" }]);
    expect(press(model(), "down", "down", char("s"), char("Y")).effects).toEqual([{ kind: "act", verb: "start", name: "cron" }]);
  });

  test("/ filters as it is typed; Enter keeps the filter, Escape drops it", () => {
    const typed = press(model(), char("/"), char("W"), char("o"));
    expect(visibleRows(typed.model).map((p) => p.name)).toEqual(["worker"]);
    expect(typed.model.selected).toBe("worker");
    expect(visibleRows(press(typed.model, "backspace").model).map((p) => p.name)).toEqual(["web", "worker"]);
    const kept = press(typed.model, "enter").model;
    expect([kept.mode.kind, kept.filter]).toEqual(["normal", "Wo"]);
    expect(press(typed.model, "escape").model.filter).toBe("");
  });

  test("q and Ctrl-C quit, Ctrl-C even while a question or a filter is open", () => {
    expect([press(model(), char("q")).effects, press(model(), char("r"), "ctrl-c").effects, press(model(), char("/"), "ctrl-c").effects])
      .toEqual([[{ kind: "quit" }], [{ kind: "quit" }], [{ kind: "quit" }]]);
  });

  test("l opens the selected process's log pane, Tab switches to stderr, l or Escape closes it", () => {
    const opened = press(model(), "down", char("l"));
    expect(opened.effects).toEqual([{ kind: "openLog", name: "worker", stream: "stdout" }]);
    expect(press(opened.model, "tab").effects).toEqual([{ kind: "openLog", name: "worker", stream: "stderr" }]);
    expect([press(opened.model, char("l")).effects, press(opened.model, "escape").effects]).toEqual([[{ kind: "closeLog" }], [{ kind: "closeLog" }]]);
  });
});

describe("what the daemon says", () => {
  const history = (name: string, time: number[], cpu: number[]): ProcessHistory => ({
    name, group: name, sample_interval_ms: 1000, samples: { time, cpu_percent: cpu, memory_bytes: cpu.map(() => MiB), health: cpu.map(() => null) },
    buckets: { time: [], cpu_percent: [], cpu_max_percent: [], memory_bytes: [], health: [] }, events: [],
  });
  test("history answers that overlap add each sample once", () => {
    const m = applyHistory(applyHistory(model(), [history("web", [1, 2, 3], [10, 20, 30])]), [history("web", [2, 3, 4], [20, 30, 40])]);
    expect(m.spark.get("web")).toEqual({ cpu: [10, 20, 30, 40], memory: [MiB, MiB, MiB, MiB], last: 4 });
  });

  test("log text becomes whole lines, a line written in two parts is one, and control characters cannot reach the terminal", () => {
    let m = handleKey(model(), char("l")).model;
    m = applyLogText(m, "one\ntw");
    m = applyLogText(m, "o\n\u001b[2J\u001b]0;pwned\u0007three\n");
    expect([m.log!.lines, m.log!.partial]).toEqual([["one", "two", "^[[2J^[]0;pwned^Gthree"], ""]);
  });
});

describe("the screen", () => {
  const events: EventRecord[] = [{
    type: "PROCESS_STATE_EXITED", time: NOW - 5000, program: "worker", group: "worker", from_state: "RUNNING", to_state: "EXITED", pid: 42,
    exit_code: 1, signal: null, expected: false, reason: "exit status 1; not expected", tries: null,
  }];
  const busy = () => {
    let m = { ...model(), events };
    m = applyHistory(m, [{ name: "worker", group: "worker", sample_interval_ms: 1000, samples: { time: [1, 2, 3], cpu_percent: [null, 50, 100], memory_bytes: [MiB, 2 * MiB, 3 * MiB], health: [null, null, null] }, buckets: { time: [], cpu_percent: [], cpu_max_percent: [], memory_bytes: [], health: [] }, events: [] }]);
    return m;
  };

  test.each([[80, 24], [120, 40], [200, 60]])("at %ix%i: exactly that many lines, none wider", (width, height) => {
    const lines = renderTop(busy(), { width, height, colour: true, styles: true, now: NOW });
    expect(lines.length).toBe(height);
    expect(lines.filter((l) => [...stripAnsi(l)].length > width)).toEqual([]);
  });

  test("at 80x24 without colour or styles (TERM=dumb): the rows, the sparklines, the event and the keys, and no escape sequence", () => {
    const lines = renderTop(busy(), { width: 80, height: 24, colour: false, styles: false, now: NOW });
    expect(lines.join("\n").includes("\u001b")).toBe(false);
    expect(lines.slice(0, 5).map((l) => l.trimEnd())).toEqual([
      expect.stringMatching(/^tsvisor top · 3 processes: 2 RUNNING, 1 EXITED +\d\d:\d\d:\d\d$/),
      " NAME       STATE        PID  UPTIME  RST   CPU% cpu       MEM mem   HEALTH",
      ">web        RUNNING      100   1m05s    1    5.0         50.0M       -",
      " worker     RUNNING      100   1m05s    3   80.0    ▄█   20.0M   ▁▄█ -",
      " cron       EXITED         -       -    0      -             -       -",
    ]);
    expect(lines[6]).toMatch(/^ \d\d:\d\d:\d\d worker RUNNING → EXITED pid 42: exit status 1; not expected$/);
    expect(lines.at(-1)).toBe("↑↓ select  s start  x stop  r restart  l log  o sort  / filter  q quit");
  });

  test("colour only when asked: NO_COLOR keeps bold and reverse video, and no colour", () => {
    const plain = renderTop(busy(), { width: 100, height: 30, colour: false, styles: true, now: NOW }).join("\n");
    const coloured = renderTop(busy(), { width: 100, height: 30, colour: true, styles: true, now: NOW }).join("\n");
    expect([/\u001b\[3\dm/.test(plain), plain.includes("\u001b[7m"), /\u001b\[32mRUNNING/.test(coloured)]).toEqual([false, true, true]);
  });

  test("a question, the filter being typed, and an answer take the keys' line", () => {
    const render = (m: TopModel) => renderTop(m, { width: 80, height: 24, colour: false, styles: false, now: NOW }).at(-1);
    expect([render(press(model(), char("r")).model), render(press(model(), char("/"), char("w")).model), render({ ...model(), message: "web: restarted" })])
      .toEqual(["restart web? [y/N]", "filter: w▏ (Enter: keep, Esc: clear)", "web: restarted"]);
  });

  test("the selected row stays on screen when there are more rows than room", () => {
    const many = applyStatus(newTopModel(), Array.from({ length: 40 }, (_, i) => status(`p${i}`)), NOW);
    const m = press(many, "end").model;
    const lines = renderTop(m, { width: 80, height: 24, colour: false, styles: false, now: NOW });
    expect(lines.some((l) => l.startsWith(">p39 "))).toBe(true);
  });

  test("durations in the uptime column and event lines", () => {
    expect([42_000, 303_000, 7_800_000, 273_600_000].map(formatDuration)).toEqual(["42s", "5m03s", "2h10m", "3d04h"]);
    expect(eventLine({ ...events[0]!, type: "HEALTH_UNHEALTHY", from_state: "RUNNING", to_state: "RUNNING", reason: "HTTP 503" })).toMatch(/ worker HEALTH_UNHEALTHY pid 42: HTTP 503$/);
  });
});
