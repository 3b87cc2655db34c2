import { describe, expect, test } from "bun:test";
import { startOrder, stopBatches, withDependencies } from "../../src/supervisor/order.ts";

const items = [
  { name: "b", priority: 20 }, { name: "a", priority: 10 }, { name: "c", priority: 20 }, { name: "d", priority: 999 },
];

test("start by ascending priority, equal priorities in config order", () => {
  expect(startOrder(items).map((i) => i.name)).toEqual(["a", "b", "c", "d"]);
});

test("stop by descending priority, equal priorities in one batch", () => {
  expect(stopBatches(items).map((batch) => batch.map((i) => i.name))).toEqual([["d"], ["b", "c"], ["a"]]);
});

describe("depends_on", () => {
  // web -> api -> db, all at the default priority; cron is unrelated with a low priority.
  const chain = [
    { name: "web", priority: 999, dependsOn: ["api"] },
    { name: "api", priority: 999, dependsOn: ["db"] },
    { name: "cron", priority: 5 },
    { name: "db", priority: 999 },
  ];

  test("a program starts after what it depends on, whatever the config order; priority orders the rest", () => {
    expect(startOrder(chain).map((i) => i.name)).toEqual(["cron", "db", "api", "web"]);
  });

  test("a dependency with a higher priority still starts first", () => {
    const items = [{ name: "app", priority: 1, dependsOn: ["db"] }, { name: "db", priority: 500 }, { name: "x", priority: 100 }];
    expect(startOrder(items).map((i) => i.name)).toEqual(["x", "db", "app"]);
  });

  test("stop is the reverse: dependents first, each in its own batch; priority among unrelated ones", () => {
    expect(stopBatches(chain).map((b) => b.map((i) => i.name))).toEqual([["web"], ["api"], ["db"], ["cron"]]);
  });

  test("dependencies outside the list are ignored (stopping only web does not wait for db)", () => {
    expect(stopBatches([chain[0]!]).map((b) => b.map((i) => i.name))).toEqual([["web"]]);
    expect(startOrder([chain[0]!]).map((i) => i.name)).toEqual(["web"]);
  });

  test("starting web brings its dependencies, transitively, and nothing else", () => {
    expect(withDependencies(["web"], chain).map((i) => i.name)).toEqual(["web", "api", "db"]);
    expect(withDependencies(["api"], chain).map((i) => i.name)).toEqual(["api", "db"]);
  });
});
