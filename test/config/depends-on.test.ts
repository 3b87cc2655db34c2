import { expect, test } from "bun:test";
import { findDependencyProblems } from "../../src/config/depends-on.ts";

const graph = (entries: Record<string, string[]>) => new Map(Object.entries(entries));

test("a chain has no problem", () => {
  expect(findDependencyProblems(graph({ web: ["api"], api: ["db"], db: [] }))).toEqual([]);
});

test("an unknown name is reported with the program that names it", () => {
  expect(findDependencyProblems(graph({ web: ["dbb"], db: [] }))).toEqual([{ program: "web", unknown: "dbb" }]);
});

test("a cycle is reported once, with its path", () => {
  expect(findDependencyProblems(graph({ web: ["api"], api: ["db"], db: ["web"], cron: [] }))).toEqual([
    { program: "web", cycle: ["web", "api", "db", "web"] },
  ]);
  expect(findDependencyProblems(graph({ self: ["self"] }))).toEqual([{ program: "self", cycle: ["self", "self"] }]);
});
