import { expect, test } from "bun:test";
import { startOrder, stopBatches } from "../../src/supervisor/order.ts";

const items = [
  { name: "b", priority: 20 }, { name: "a", priority: 10 }, { name: "c", priority: 20 }, { name: "d", priority: 999 },
];

test("start by ascending priority, equal priorities in config order", () => {
  expect(startOrder(items).map((i) => i.name)).toEqual(["a", "b", "c", "d"]);
});

test("stop by descending priority, equal priorities in one batch", () => {
  expect(stopBatches(items).map((batch) => batch.map((i) => i.name))).toEqual([["d"], ["b", "c"], ["a"]]);
});
