import { describe, expect, test } from "bun:test";
import { DEFAULTS } from "../../src/config/defaults.ts";
import type { ProgramConfig } from "../../src/config/schema.ts";
import { exitedWith, killedBy } from "../../src/supervisor/exit-status.ts";
import { newProcessRecord, step, type Action, type ProcessEvent, type ProcessRecord, type Step } from "../../src/supervisor/machine.ts";
import { PROCESS_STATES, type ProcessState } from "../../src/supervisor/states.ts";

const T0 = 1_000_000;

function program(overrides: Partial<ProgramConfig> = {}): ProgramConfig {
  return { ...DEFAULTS.program, command: ["app"], ...overrides };
}

function proc(state: ProcessState, overrides: Partial<ProcessRecord> = {}): ProcessRecord {
  const live = state === "STARTING" || state === "RUNNING" || state === "STOPPING";
  return { ...newProcessRecord("web"), state, pid: live ? 42 : null, startedAt: live ? T0 : null, runningAt: state === "RUNNING" ? T0 : null, ...overrides };
}

// The action list without log lines and edges, e.g. ["cancelTimer:startsecs", "signal:TERM", "setTimer:stopwait=10000"].
function effects(actions: Action[]): string[] {
  return actions.flatMap((a) => {
    switch (a.type) {
      case "spawn": return ["spawn"];
      case "signal": return [`signal:${a.signal}${a.group ? "(group)" : ""}`];
      case "signalLeftovers": return [`signalLeftovers:${a.signal}`];
      case "setTimer": return [`setTimer:${a.timer}=${a.ms}`];
      case "cancelTimer": return [`cancelTimer:${a.timer}`];
      default: return [];
    }
  });
}

// One process fed events from STOPPED, its log lines collected; move `now` between events.
function fromStopped(cfg: ProgramConfig) {
  const r = {
    p: proc("STOPPED"),
    now: T0,
    lines: [] as string[],
    feed(e: ProcessEvent): Step {
      const result = step(r.p, e, cfg, r.now);
      r.p = result.proc;
      r.lines.push(...logs(result.actions));
      return result;
    },
  };
  return r;
}

const edges = (actions: Action[]) => actions.flatMap((a) => (a.type === "transition" ? [`${a.from}->${a.to}`] : []));
const logs = (actions: Action[]) => actions.flatMap((a) => (a.type === "log" && a.level !== "debug" ? [a.message] : []));

describe("every transition", () => {
  const soon = T0 + 100; // before startsecs has passed
  const later = T0 + 5_000; // after startsecs has passed
  test.each<[string, ProcessRecord, ProcessEvent, Partial<ProgramConfig>, number, ProcessState, string[], string[]]>([
    ["STOPPED + start spawns", proc("STOPPED"), { type: "start" }, {}, T0, "STARTING", ["STOPPED->STARTING"], ["spawn"]],
    ["EXITED + start spawns", proc("EXITED"), { type: "start" }, {}, T0, "STARTING", ["EXITED->STARTING"], ["spawn"]],
    ["FATAL + start spawns", proc("FATAL", { backoff: 4 }), { type: "start" }, {}, T0, "STARTING", ["FATAL->STARTING"], ["spawn"]],
    ["STARTING + spawned arms startsecs", proc("STARTING", { pid: null }), { type: "spawned", pid: 7 }, {}, T0, "STARTING", [], ["setTimer:startsecs=1000"]],
    ["STARTING + spawned with startsecs=0 is RUNNING", proc("STARTING", { pid: null }), { type: "spawned", pid: 7 }, { startsecs: 0 }, T0, "RUNNING", ["STARTING->RUNNING"], []],
    ["STARTING + spawned arms max_runtime", proc("STARTING", { pid: null }), { type: "spawned", pid: 7 }, { max_runtime: 60 }, T0, "STARTING", [], ["setTimer:max_runtime=60000", "setTimer:startsecs=1000"]],
    ["STARTING + startsecs elapsed is RUNNING", proc("STARTING"), { type: "timer", timer: "startsecs" }, {}, later, "RUNNING", ["STARTING->RUNNING"], []],
    ["STARTING + early exit backs off 1s", proc("STARTING"), { type: "exited", status: exitedWith(1) }, {}, soon, "BACKOFF", ["STARTING->BACKOFF"], ["cancelTimer:startsecs", "cancelTimer:max_runtime", "setTimer:backoff=1000"]],
    ["STARTING + third early exit backs off 3s", proc("STARTING", { backoff: 2, shortRuns: 2 }), { type: "exited", status: exitedWith(1) }, {}, soon, "BACKOFF", ["STARTING->BACKOFF"], ["cancelTimer:startsecs", "cancelTimer:max_runtime", "setTimer:backoff=3000"]],
    ["STARTING + exit after startsecs is RUNNING then EXITED", proc("STARTING"), { type: "exited", status: exitedWith(0) }, { autorestart: false }, later, "EXITED", ["STARTING->RUNNING", "RUNNING->EXITED"], ["cancelTimer:startsecs", "cancelTimer:max_runtime"]],
    ["STARTING + early exit past startretries is FATAL", proc("STARTING", { backoff: 3 }), { type: "exited", status: exitedWith(1) }, {}, soon, "FATAL", ["STARTING->BACKOFF", "BACKOFF->FATAL"], ["cancelTimer:startsecs", "cancelTimer:max_runtime"]],
    ["STARTING + early exit after a crash loop waits for its short runs", proc("STARTING", { backoff: 0, shortRuns: 3 }), { type: "exited", status: exitedWith(1) }, {}, soon, "BACKOFF", ["STARTING->BACKOFF"], ["cancelTimer:startsecs", "cancelTimer:max_runtime", "setTimer:backoff=4000"]],
    ["STARTING + early exit with backoff_factor waits exponentially", proc("STARTING", { backoff: 3, shortRuns: 3 }), { type: "exited", status: exitedWith(1) }, { backoff_delay: 0.5, backoff_factor: 2, startretries: 10 }, soon, "BACKOFF", ["STARTING->BACKOFF"], ["cancelTimer:startsecs", "cancelTimer:max_runtime", "setTimer:backoff=4000"]],
    ["STARTING + early exit with startretries unlimited never gives up, waits backoff_max at most", proc("STARTING", { backoff: 5000, shortRuns: 5000 }), { type: "exited", status: exitedWith(1) }, { startretries: "unlimited", backoff_max: 30 }, soon, "BACKOFF", ["STARTING->BACKOFF"], ["cancelTimer:startsecs", "cancelTimer:max_runtime", "setTimer:backoff=30000"]],
    ["STARTING + spawn failure backs off", proc("STARTING", { pid: null }), { type: "spawnFailed", error: "can't find command" }, {}, T0, "BACKOFF", ["STARTING->BACKOFF"], ["setTimer:backoff=1000"]],
    ["STARTING + spawn failure with startretries=0 is FATAL", proc("STARTING", { pid: null }), { type: "spawnFailed", error: "x" }, { startretries: 0 }, T0, "FATAL", ["STARTING->BACKOFF", "BACKOFF->FATAL"], []],
    ["STARTING + stop signals and waits", proc("STARTING"), { type: "stop" }, {}, soon, "STOPPING", ["STARTING->STOPPING"], ["cancelTimer:startsecs", "cancelTimer:max_runtime", "signal:TERM", "setTimer:stopwait=10000"]],
    ["STARTING + max_runtime stops", proc("STARTING"), { type: "timer", timer: "max_runtime" }, {}, soon, "STOPPING", ["STARTING->STOPPING"], ["cancelTimer:startsecs", "cancelTimer:max_runtime", "signal:TERM", "setTimer:stopwait=10000"]],
    ["BACKOFF + retry timer spawns", proc("BACKOFF", { backoff: 1 }), { type: "timer", timer: "backoff" }, {}, later, "STARTING", ["BACKOFF->STARTING"], ["spawn"]],
    ["BACKOFF + stop is STOPPED", proc("BACKOFF", { backoff: 1 }), { type: "stop" }, {}, later, "STOPPED", ["BACKOFF->STOPPED"], ["cancelTimer:backoff"]],
    ["BACKOFF + shutdown is STOPPED", proc("BACKOFF", { backoff: 1 }), { type: "shutdown" }, {}, later, "STOPPED", ["BACKOFF->STOPPED"], ["cancelTimer:backoff"]],
    ["RUNNING + unexpected exit restarts", proc("RUNNING"), { type: "exited", status: exitedWith(3) }, {}, later, "STARTING", ["RUNNING->EXITED", "EXITED->STARTING"], ["cancelTimer:max_runtime", "spawn"]],
    ["RUNNING + a second short run in a row backs off", proc("RUNNING", { shortRuns: 1 }), { type: "exited", status: exitedWith(3) }, {}, later, "BACKOFF", ["RUNNING->EXITED", "EXITED->BACKOFF"], ["cancelTimer:max_runtime", "setTimer:backoff=1000"]],
    ["RUNNING + the fifth short run in a row backs off 4s", proc("RUNNING", { shortRuns: 4 }), { type: "exited", status: exitedWith(3) }, {}, later, "BACKOFF", ["RUNNING->EXITED", "EXITED->BACKOFF"], ["cancelTimer:max_runtime", "setTimer:backoff=4000"]],
    ["RUNNING + exit after backoff_reset in RUNNING restarts at once", proc("RUNNING", { shortRuns: 4 }), { type: "exited", status: exitedWith(3) }, { backoff_reset: 5 }, later, "STARTING", ["RUNNING->EXITED", "EXITED->STARTING"], ["cancelTimer:max_runtime", "spawn"]],
    ["RUNNING + short runs with backoff_delay = 0 restart at once", proc("RUNNING", { shortRuns: 4 }), { type: "exited", status: exitedWith(3) }, { backoff_delay: 0 }, later, "STARTING", ["RUNNING->EXITED", "EXITED->STARTING"], ["cancelTimer:max_runtime", "spawn"]],
    ["RUNNING + expected exit stays EXITED", proc("RUNNING"), { type: "exited", status: exitedWith(0) }, {}, later, "EXITED", ["RUNNING->EXITED"], ["cancelTimer:max_runtime"]],
    ["RUNNING + signal death is unexpected", proc("RUNNING"), { type: "exited", status: killedBy("KILL") }, {}, later, "STARTING", ["RUNNING->EXITED", "EXITED->STARTING"], ["cancelTimer:max_runtime", "spawn"]],
    ["RUNNING + any exit restarts with autorestart=true", proc("RUNNING"), { type: "exited", status: exitedWith(0) }, { autorestart: true }, later, "STARTING", ["RUNNING->EXITED", "EXITED->STARTING"], ["cancelTimer:max_runtime", "spawn"]],
    ["RUNNING + crash stays EXITED with autorestart=false", proc("RUNNING"), { type: "exited", status: exitedWith(1) }, { autorestart: false }, later, "EXITED", ["RUNNING->EXITED"], ["cancelTimer:max_runtime"]],
    ["RUNNING + exit with a listed code is expected", proc("RUNNING"), { type: "exited", status: exitedWith(2) }, { exitcodes: [0, 2] }, later, "EXITED", ["RUNNING->EXITED"], ["cancelTimer:max_runtime"]],
    ["RUNNING + exit after shutdown never restarts", proc("RUNNING", { noRestart: true }), { type: "exited", status: exitedWith(1) }, {}, later, "EXITED", ["RUNNING->EXITED"], ["cancelTimer:max_runtime"]],
    ["RUNNING + stop signals the group with stopasgroup", proc("RUNNING"), { type: "stop" }, { stopasgroup: true, stopsignal: "INT", stopwaitsecs: 2 }, later, "STOPPING", ["RUNNING->STOPPING"], ["cancelTimer:startsecs", "cancelTimer:max_runtime", "signal:INT(group)", "setTimer:stopwait=2000"]],
    ["RUNNING + max_runtime stops", proc("RUNNING"), { type: "timer", timer: "max_runtime" }, { max_runtime: 5 }, later, "STOPPING", ["RUNNING->STOPPING"], ["cancelTimer:startsecs", "cancelTimer:max_runtime", "signal:TERM", "setTimer:stopwait=10000"]],
    ["STOPPING + exit is STOPPED", proc("STOPPING", { stopCause: "request" }), { type: "exited", status: killedBy("TERM") }, {}, later, "STOPPED", ["STOPPING->STOPPED"], ["cancelTimer:stopwait"]],
    ["STOPPING + stopwaitsecs elapsed sends SIGKILL", proc("STOPPING", { stopCause: "request" }), { type: "timer", timer: "stopwait" }, {}, later, "STOPPING", [], ["signal:KILL", "setTimer:stopwait=10000"]],
    ["STOPPING + SIGKILL goes to the group with killasgroup", proc("STOPPING", { stopCause: "request" }), { type: "timer", timer: "stopwait" }, { killasgroup: true }, later, "STOPPING", [], ["signal:KILL(group)", "setTimer:stopwait=10000"]],
    ["STOPPING after max_runtime + exit restarts like any exit", proc("STOPPING", { stopCause: "max_runtime" }), { type: "exited", status: killedBy("TERM") }, {}, later, "STARTING", ["STOPPING->EXITED", "EXITED->STARTING"], ["cancelTimer:stopwait", "spawn"]],
    ["STOPPING after max_runtime + exit is never a short run", proc("STOPPING", { stopCause: "max_runtime", shortRuns: 4, runningAt: T0 }), { type: "exited", status: killedBy("TERM") }, { max_runtime: 1 }, later, "STARTING", ["STOPPING->EXITED", "EXITED->STARTING"], ["cancelTimer:stopwait", "spawn"]],
    ["STOPPING after max_runtime + exit stays EXITED without autorestart", proc("STOPPING", { stopCause: "max_runtime" }), { type: "exited", status: killedBy("TERM") }, { autorestart: false }, later, "EXITED", ["STOPPING->EXITED"], ["cancelTimer:stopwait"]],
  ])("%s", (_name, from, event, overrides, now, expectedState, expectedEdges, expectedEffects) => {
    const result = step(from, event, program(overrides), now);
    expect([result.proc.state, edges(result.actions), effects(result.actions)]).toEqual([expectedState, expectedEdges, expectedEffects]);
  });
});

describe("what a process leaves behind is stopped before its exit counts (stop_descendants)", () => {
  const later = T0 + 5_000;
  const soon = T0 + 100;
  const left = [501, 502];
  const pending = (failedStart = false) => ({ status: exitedWith(1), failedStart });
  test.each<[string, ProcessRecord, ProcessEvent, Partial<ProgramConfig>, ProcessState, string[], string[]]>([
    ["RUNNING + exit with leftovers stops them first", proc("RUNNING"), { type: "exited", status: exitedWith(1), leftovers: left }, {}, "STOPPING", ["RUNNING->STOPPING"], ["cancelTimer:max_runtime", "signalLeftovers:TERM", "setTimer:stopwait=10000"]],
    ["STARTING + early exit with leftovers stops them first", proc("STARTING"), { type: "exited", status: exitedWith(1), leftovers: left }, { stopsignal: "INT" }, "STOPPING", ["STARTING->STOPPING"], ["cancelTimer:startsecs", "cancelTimer:max_runtime", "signalLeftovers:INT", "setTimer:stopwait=10000"]],
    ["STOPPING + exit with leftovers gives them stopsignal and stopwaitsecs", proc("STOPPING", { stopCause: "request" }), { type: "exited", status: killedBy("TERM"), leftovers: left }, { stopwaitsecs: 3 }, "STOPPING", [], ["cancelTimer:stopwait", "signalLeftovers:TERM", "setTimer:stopwait=3000"]],
    ["STOPPING with leftovers + stopwaitsecs elapsed SIGKILLs them", proc("STOPPING", { stopCause: "request", pid: null, pendingExit: pending() }), { type: "timer", timer: "stopwait" }, {}, "STOPPING", [], ["signalLeftovers:KILL", "setTimer:stopwait=10000"]],
    ["STOPPING on request + leftovers gone is STOPPED", proc("STOPPING", { stopCause: "request", pid: null, pendingExit: pending() }), { type: "leftoversGone" }, {}, "STOPPED", ["STOPPING->STOPPED"], ["cancelTimer:stopwait"]],
    ["STOPPING after an exit from RUNNING + leftovers gone restarts", proc("STOPPING", { stopCause: "exit", pid: null, pendingExit: pending(), runningAt: T0 }), { type: "leftoversGone" }, {}, "STARTING", ["STOPPING->EXITED", "EXITED->STARTING"], ["cancelTimer:stopwait", "spawn"]],
    ["STOPPING after a failed start + leftovers gone backs off", proc("STOPPING", { stopCause: "exit", pid: null, pendingExit: pending(true) }), { type: "leftoversGone" }, {}, "BACKOFF", ["STOPPING->BACKOFF"], ["cancelTimer:stopwait", "setTimer:backoff=1000"]],
    ["STOPPING after max_runtime + leftovers gone restarts like any exit", proc("STOPPING", { stopCause: "max_runtime", pid: null, pendingExit: pending() }), { type: "leftoversGone" }, { max_runtime: 60 }, "STARTING", ["STOPPING->EXITED", "EXITED->STARTING"], ["cancelTimer:stopwait", "spawn"]],
    ["STOPPING with no exit pending ignores leftoversGone", proc("STOPPING", { stopCause: "request" }), { type: "leftoversGone" }, {}, "STOPPING", [], []],
  ])("%s", (_name, from, event, overrides, expectedState, expectedEdges, expectedEffects) => {
    const result = step(from, event, program(overrides), event.type === "exited" && from.state === "STARTING" ? soon : later);
    expect([result.proc.state, edges(result.actions), effects(result.actions)]).toEqual([expectedState, expectedEdges, expectedEffects]);
  });

  test("a stop by hand while leftovers of an exit are stopped ends in STOPPED, and the record keeps the exit", () => {
    const cfg = program();
    let p = step(proc("RUNNING", { wantedUp: true }), { type: "exited", status: exitedWith(3), leftovers: [7] }, cfg, later).proc;
    expect([p.state, p.pid, p.pendingExit]).toEqual(["STOPPING", null, { status: exitedWith(3), failedStart: false }]);
    p = step(p, { type: "stop", byHand: true }, cfg, later).proc;
    const r = step(p, { type: "leftoversGone" }, cfg, later + 10);
    expect([r.proc.state, r.proc.lastExit, r.proc.pendingExit, r.proc.wantedUp, logs(r.actions)]).toEqual(["STOPPED", exitedWith(3), null, false, ["stopped: web (exit status 3)"]]);
  });

  test("the log says what was left behind and what comes next", () => {
    const r = step(proc("RUNNING"), { type: "exited", status: exitedWith(0), leftovers: [9] }, program(), later);
    expect(logs(r.actions)).toEqual(["stopping: web ended (exit status 0) and left 1 process behind (pid 9); sending SIGTERM"]);
    const k = step(r.proc, { type: "timer", timer: "stopwait" }, program(), later + 10_000);
    expect(logs(k.actions)).toEqual(["killing: what web left behind with SIGKILL, still running 10s after SIGTERM"]);
  });
});

describe("pairs with no meaning keep the state and do nothing", () => {
  const meaningful: Record<ProcessState, ProcessEvent["type"][]> = {
    STOPPED: ["start"], EXITED: ["start"], FATAL: ["start"], UNKNOWN: ["start"],
    STARTING: ["spawned", "spawnFailed", "timer", "exited", "stop", "shutdown"],
    RUNNING: ["exited", "stop", "timer", "shutdown"],
    BACKOFF: ["timer", "stop", "shutdown"],
    STOPPING: ["exited", "timer", "shutdown", "stop", "leftoversGone"],
  };
  const allEvents: ProcessEvent[] = [
    { type: "start" }, { type: "stop" }, { type: "shutdown" }, { type: "spawned", pid: 9 },
    { type: "spawnFailed", error: "x" }, { type: "exited", status: exitedWith(0) }, { type: "leftoversGone" },
  ];
  const rows = PROCESS_STATES.flatMap((state) =>
    allEvents.filter((e) => !meaningful[state].includes(e.type)).map((e) => [state, e.type, e] as const),
  );
  test.each(rows)("%s + %s", (state, _type, event) => {
    const before = proc(state);
    const result = step(before, event, program(), T0 + 5000);
    expect([result.proc, effects(result.actions), edges(result.actions)]).toEqual([before, [], []]);
  });
  test.each([
    ["RUNNING", "startsecs"], ["RUNNING", "backoff"], ["BACKOFF", "startsecs"], ["STOPPING", "max_runtime"], ["STARTING", "stopwait"],
  ] as const)("in %s a stale %s timer is ignored", (state, timer) => {
    const before = proc(state);
    expect(step(before, { type: "timer", timer }, program(), T0).proc).toEqual(before);
  });
});

describe("wantedUp: what `tsvisor check` expects to be running", () => {
  test.each<[string, ProcessRecord, ProcessEvent, boolean]>([
    ["a start (autostart or by hand) wants it up", proc("STOPPED"), { type: "start" }, true],
    ["a start after FATAL wants it up again", proc("FATAL", { wantedUp: true }), { type: "start" }, true],
    ["a stop by hand of RUNNING wants it down", proc("RUNNING", { wantedUp: true }), { type: "stop", byHand: true }, false],
    ["a stop by hand of STARTING wants it down", proc("STARTING", { wantedUp: true }), { type: "stop", byHand: true }, false],
    ["a stop by hand of BACKOFF wants it down", proc("BACKOFF", { wantedUp: true }), { type: "stop", byHand: true }, false],
    ["a stop by hand during a max_runtime stop wants it down", proc("STOPPING", { wantedUp: true, stopCause: "max_runtime" }), { type: "stop", byHand: true }, false],
    ["a stop by shutdown keeps it wanted", proc("RUNNING", { wantedUp: true }), { type: "stop" }, true],
    ["a crash keeps it wanted", proc("RUNNING", { wantedUp: true }), { type: "exited", status: exitedWith(1) }, true],
  ])("%s", (_name, from, event, wanted) => {
    expect(step(from, event, program({ autorestart: false }), T0 + 5000).proc.wantedUp).toBe(wanted);
  });

  test("a stop by hand during a max_runtime stop ends in STOPPED, not in a restart", () => {
    const cfg = program({ autorestart: true });
    let p = step(proc("STOPPING", { wantedUp: true, stopCause: "max_runtime" }), { type: "stop", byHand: true }, cfg, T0).proc;
    p = step(p, { type: "exited", status: killedBy("TERM") }, cfg, T0 + 10).proc;
    expect([p.state, p.wantedUp]).toEqual(["STOPPED", false]);
  });
});

describe("what the records and log lines say", () => {
  test("failed starts count up and reset once the process reaches RUNNING", () => {
    let p = proc("STARTING", { pid: null });
    const cfg = program();
    p = step(p, { type: "spawned", pid: 1 }, cfg, T0).proc;
    p = step(p, { type: "exited", status: exitedWith(1) }, cfg, T0 + 10).proc;
    p = step(p, { type: "timer", timer: "backoff" }, cfg, T0 + 1010).proc;
    p = step(p, { type: "spawned", pid: 2 }, cfg, T0 + 1010).proc;
    expect([p.state, p.backoff, p.restarts, p.pid]).toEqual(["STARTING", 1, 1, 2]);
    p = step(p, { type: "timer", timer: "startsecs" }, cfg, T0 + 2010).proc;
    expect([p.state, p.backoff]).toEqual(["RUNNING", 0]);
  });

  test("startretries=3 allows four attempts before FATAL, with supervisord's log lines", () => {
    const r = fromStopped(program());
    r.feed({ type: "start" });
    for (let attempt = 1; attempt <= 4; attempt++) {
      r.feed({ type: "spawned", pid: 100 + attempt });
      r.now += 10;
      r.feed({ type: "exited", status: exitedWith(2) });
      if (r.p.state === "BACKOFF") {
        r.now += attempt * 1000;
        r.feed({ type: "timer", timer: "backoff" });
      }
    }
    expect(r.p.state).toBe("FATAL");
    expect(r.lines).toEqual([
      "spawned: web (pid 101)", "exited: web (exit status 2; not expected)", "backoff: web will retry in 1s (attempt 2 of 4)",
      "spawned: web (pid 102)", "exited: web (exit status 2; not expected)", "backoff: web will retry in 2s (attempt 3 of 4)",
      "spawned: web (pid 103)", "exited: web (exit status 2; not expected)", "backoff: web will retry in 3s (attempt 4 of 4)",
      "spawned: web (pid 104)", "exited: web (exit status 2; not expected)", "gave up: web entered FATAL state, too many start retries too quickly",
    ]);
    expect(r.p.reason).toBe("exit status 2; not expected; gave up after 4 attempts");
  });

  test("a crash loop from RUNNING is paced, and a run of backoff_reset starts the back-off over", () => {
    const r = fromStopped(program({ startsecs: 0 }));
    r.feed({ type: "start" });
    const waits: number[] = [];
    for (let run = 1; run <= 4; run++) {
      r.feed({ type: "spawned", pid: 100 + run });
      r.now += 10; // exits at once, every time
      const timer = r.feed({ type: "exited", status: exitedWith(1) }).actions.find((a) => a.type === "setTimer");
      waits.push(timer?.type === "setTimer" ? timer.ms : 0);
      if (r.p.state === "BACKOFF") r.feed({ type: "timer", timer: "backoff" });
    }
    expect([waits, r.p.state, r.p.shortRuns, r.p.restarts]).toEqual([[0, 1000, 2000, 3000], "STARTING", 4, 4]);
    expect(r.lines.filter((l) => l.startsWith("backoff:"))).toEqual([
      "backoff: web exited 2 times in a row within 60s of RUNNING; restarting in 1s",
      "backoff: web exited 3 times in a row within 60s of RUNNING; restarting in 2s",
      "backoff: web exited 4 times in a row within 60s of RUNNING; restarting in 3s",
    ]);
    r.feed({ type: "spawned", pid: 200 });
    r.now += 60_000; // this run lasts backoff_reset
    r.feed({ type: "exited", status: exitedWith(1) });
    expect([r.p.state, r.p.shortRuns]).toEqual(["STARTING", 0]);
  });

  test("a start by hand starts the back-off over", () => {
    const p = step(proc("EXITED", { shortRuns: 7, backoff: 0 }), { type: "start" }, program(), T0).proc;
    expect([p.state, p.shortRuns, p.backoff]).toEqual(["STARTING", 0, 0]);
  });

  test("with startretries unlimited the log says so instead of a count", () => {
    const r = step(proc("STARTING", { backoff: 9, shortRuns: 9 }), { type: "exited", status: exitedWith(1) }, program({ startretries: "unlimited" }), T0 + 10);
    expect(logs(r.actions)).toEqual(["exited: web (exit status 1; not expected)", "backoff: web will retry in 10s (attempt 11, startretries unlimited)"]);
  });

  test("a stop records how the process ended", () => {
    const r = step(proc("STOPPING", { stopCause: "request" }), { type: "exited", status: killedBy("TERM") }, program(), T0);
    expect([r.proc.pid, r.proc.lastExit, r.proc.reason, logs(r.actions)]).toEqual([
      null, killedBy("TERM"), "terminated by SIGTERM", ["stopped: web (terminated by SIGTERM)"],
    ]);
  });

  test("an exit after max_runtime stopped the process says so in its reason, also after the restart", () => {
    const r = step(proc("STOPPING", { stopCause: "max_runtime" }), { type: "exited", status: killedBy("TERM") }, program({ max_runtime: 60 }), T0);
    expect([r.proc.state, r.proc.reason, logs(r.actions)[0]]).toEqual([
      "STARTING", "max_runtime (60s) reached: terminated by SIGTERM; not expected", "exited: web (max_runtime (60s) reached: terminated by SIGTERM; not expected)",
    ]);
  });

  test("an exec that failed after the spawn returned is a spawn error while STARTING, and logged beside the exit once RUNNING", () => {
    const failure = `can't start "/app/x": its file is open for writing (ETXTBSY: still being copied or built?)`;
    const starting = step(proc("STARTING"), { type: "exited", status: exitedWith(127), execFailure: failure }, program({ startretries: 0 }), T0 + 10);
    expect([starting.proc.state, starting.proc.reason, logs(starting.actions)[0], effects(starting.actions).slice(0, 2)]).toEqual([
      "FATAL", `spawn error: ${failure}; gave up after 1 attempt`, `spawnerr: web: ${failure}`, ["cancelTimer:startsecs", "cancelTimer:max_runtime"],
    ]);
    const running = step(proc("RUNNING"), { type: "exited", status: exitedWith(127), execFailure: failure }, program({ autorestart: false }), T0 + 10);
    expect([running.proc.state, running.proc.reason, logs(running.actions).slice(0, 2)]).toEqual([
      "EXITED", "exit status 127; not expected", [`spawnerr: web: ${failure}`, "exited: web (exit status 127; not expected)"],
    ]);
  });

  test("a spawn error is the reason of BACKOFF and FATAL", () => {
    const r = step(proc("STARTING", { pid: null }), { type: "spawnFailed", error: `can't find command "nope"` }, program({ startretries: 0 }), T0);
    expect([r.proc.reason, logs(r.actions)[0]]).toEqual([
      `spawn error: can't find command "nope"; gave up after 1 attempt`, `spawnerr: web: can't find command "nope"`,
    ]);
  });
});
