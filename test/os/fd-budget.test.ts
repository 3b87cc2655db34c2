// The soft RLIMIT_NOFILE as /proc/PID/limits shows it, and this process's own count.
import { expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { fdUsage, softLimit } from "../../src/os/fd-budget.ts";

const limits = (soft: string, hard: string) => [
  "Limit                     Soft Limit           Hard Limit           Units     ",
  "Max processes             63428                63428                processes ",
  `Max open files            ${soft.padEnd(21)}${hard.padEnd(21)}files     `,
  "Max locked memory         8388608              8388608              bytes     ",
].join("\n");

test.each([
  ["64", "64", 64],
  ["1024", "524288", 1024],
  ["unlimited", "unlimited", Infinity],
])("soft limit %s (hard %s) -> %p", (soft, hard, expected) => {
  expect(softLimit(limits(soft, hard))).toBe(expected);
});

test("no line for it (not Linux's format) counts as no limit, never as zero", () => {
  expect(softLimit("Limit  Soft Limit  Hard Limit  Units\n")).toBe(Infinity);
});

test("this process's usage: its open descriptors, without the one the count itself holds, under its limit", () => {
  const usage = fdUsage();
  expect(usage.open).toBe(readdirSync("/proc/self/fd").length - 1);
  expect(usage.open).toBeLessThan(usage.limit);
});
