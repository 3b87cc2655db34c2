import { describe, expect, test } from "bun:test";
import { DEFAULTS } from "../../src/config/defaults.ts";
import type { ProcessSpec, ProgramConfig } from "../../src/config/schema.ts";
import { describeDiff, diffConfigs, diffGroups, diffProcesses } from "../../src/supervisor/reload-diff.ts";

const program = (overrides: Partial<ProgramConfig> = {}): ProgramConfig => ({ ...DEFAULTS.program, command: ["app"], ...overrides });
const spec = (name: string, overrides: Partial<ProgramConfig> = {}, extra: Partial<ProcessSpec> = {}): ProcessSpec => ({
  name, group: name, programName: name, groupPriority: 999, num: 0, credentials: null, stdout_logfile: null, stderr_logfile: null, program: program(overrides), ...extra,
});

describe("diffProcesses", () => {
  test("sorts an added, a removed, a changed and an unchanged process, each in config order", () => {
    const old = [spec("db"), spec("web"), spec("cron")];
    const next = [spec("worker"), spec("web", { command: ["app", "--v2"] }), spec("db")];
    expect(diffProcesses(old, next)).toEqual({ added: ["worker"], removed: ["cron"], changed: ["web"], unchanged: ["db"] });
  });

  test.each<[string, Partial<ProgramConfig>]>([
    ["command", { command: ["other"] }],
    ["an environment value", { environment: { A: "2" } }],
    ["an environment entry more", { environment: { A: "1", B: "2" } }],
    ["autostart", { autostart: false }],
    ["critical", { critical: true }],
    ["numprocs (the instance itself is the same: supervisord restarts the group too)", { numprocs: 2 }],
    ["max_runtime", { max_runtime: 5 }],
  ])("a different %s is a change", (_what, overrides) => {
    const old = [spec("web", { environment: { A: "1" } })];
    expect(diffProcesses(old, [spec("web", { environment: { A: "1" }, ...overrides })]).changed).toEqual(["web"]);
  });

  test("different credentials are a change (a user name that now maps to another uid)", () => {
    const old = [spec("web", {}, { credentials: { uid: 1000, gid: 1000, groups: [1000] } })];
    expect(diffProcesses(old, [spec("web", {}, { credentials: { uid: 1001, gid: 1001, groups: [1001] } })]).changed).toEqual(["web"]);
  });

  test("a user added to a group is a change: the program is started again with it", () => {
    const old = [spec("web", {}, { credentials: { uid: 1000, gid: 1000, groups: [1000] } })];
    expect(diffProcesses(old, [spec("web", {}, { credentials: { uid: 1000, gid: 1000, groups: [1000, 27] } })]).changed).toEqual(["web"]);
  });

  test("the same settings written in another order are unchanged", () => {
    const old = [spec("web", { environment: { A: "1", B: "2" } })];
    const next = [spec("web", { environment: { B: "2", A: "1" } })];
    expect(diffProcesses(old, next)).toEqual({ added: [], removed: [], changed: [], unchanged: ["web"] });
  });

  test("exitcodes in another order are a change: the list is compared as written", () => {
    expect(diffProcesses([spec("web", { exitcodes: [0, 2] })], [spec("web", { exitcodes: [2, 0] })]).changed).toEqual(["web"]);
  });

  test("an empty config against a full one: everything added, or everything removed", () => {
    const full = [spec("a"), spec("b")];
    expect([diffProcesses([], full), diffProcesses(full, [])]).toEqual([
      { added: ["a", "b"], removed: [], changed: [], unchanged: [] },
      { added: [], removed: ["a", "b"], changed: [], unchanged: [] },
    ]);
  });

  test("diffConfigs compares the configs' processes", () => {
    expect(diffConfigs({ processes: [spec("a")] }, { processes: [spec("a"), spec("b")] }).added).toEqual(["b"]);
  });
});

test.each([
  [{ added: ["worker"], removed: ["cron"], changed: ["web-0", "web-1"], unchanged: ["db"] }, "added worker; removed cron; changed web-0, web-1; unchanged db"],
  [{ added: [], removed: [], changed: [], unchanged: ["db"] }, "unchanged db"],
  [{ added: [], removed: [], changed: [], unchanged: [] }, "no programs"],
])("describeDiff(%o) is %p", (diff, words) => {
  expect(describeDiff(diff)).toBe(words);
});

describe("diffGroups: supervisorctl reread's available / changed / disappeared", () => {
  const inGroup = (name: string, group: string, command = ["sleep", "1"]) => ({ ...spec(name, { command }), group });
  test.each([
    ["nothing changed", [inGroup("web", "web")], [inGroup("web", "web")], { added: [], changed: [], removed: [] }],
    ["a program added and one gone", [inGroup("web", "web"), inGroup("cron", "cron")], [inGroup("web", "web"), inGroup("extra", "extra")], { added: ["extra"], changed: [], removed: ["cron"] }],
    ["one instance more makes the group changed", [inGroup("w-0", "w")], [inGroup("w-0", "w"), inGroup("w-1", "w")], { added: [], changed: ["w"], removed: [] }],
    ["a changed setting", [inGroup("web", "web")], [inGroup("web", "web", ["sleep", "2"])], { added: [], changed: ["web"], removed: [] }],
    ["a process moved to another group touches both", [inGroup("a", "g1"), inGroup("b", "g2")], [inGroup("a", "g2"), inGroup("b", "g2")], { added: [], changed: ["g2"], removed: ["g1"] }],
    ["sorted, as supervisorctl prints them", [], [inGroup("b", "b"), inGroup("a", "a")], { added: ["a", "b"], changed: [], removed: [] }],
  ] as const)("%s", (_, active, next, expected) => {
    expect(diffGroups(active, next)).toEqual(expected as never);
  });
});
