// The figures of a side-by-side benchmark, tsvisor against supervisord round after round, and the
// markdown table they are printed as: medians, p10–p90 over rounds, the ratio, the target's verdict.
import { quantile } from "./_supervisord.ts";

// Quantiles of unsorted samples.
export const quantileOf = (xs: readonly number[], q: number) => quantile([...xs].sort((a, b) => a - b), q);
export const median = (xs: readonly number[]) => quantileOf(xs, 0.5);

/**
 * One figure: its samples by subject ("tsvisor", "supervisord", "floor", and "bare loop": what a bare
 * C or shell loop takes for the same job), and its target's verdict from the medians (and the bare
 * loop's samples where there are some).
 */
export interface Row { figure: string; unit: string; samples: Record<string, number[]>; target?: (t: number, ref: number, bare?: readonly number[]) => string }

const f = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : Math.abs(n) >= 1 || n === 0 ? n.toFixed(2) : n.toPrecision(2));
/** A cell: the median, and p10–p90 over rounds. */
export const cell = (xs?: readonly number[]) => (xs?.length ? `${f(median(xs))} (${f(quantileOf(xs, 0.1))}–${f(quantileOf(xs, 0.9))})` : "–");

export function render(rows: Row[], rounds: number): string {
  const lines = [
    `${rounds} round${rounds > 1 ? "s" : ""}, tsvisor and supervisord alternating; median (p10–p90 over rounds).`,
    "",
    "| figure | unit | tsvisor | supervisord 4.2.5 | tsvisor / supervisord | target |",
    "|---|---|---:|---:|---:|---|",
  ];
  for (const r of rows) {
    const t = r.samples.tsvisor ?? r.samples.floor ?? [];
    const s = r.samples.supervisord ?? [];
    const ratio = t.length && s.length && median(s) > 0 ? (median(t) / median(s)).toFixed(3) : "–";
    const target = r.target && t.length && s.length ? r.target(median(t), median(s), r.samples["bare loop"]) : "";
    lines.push(`| ${r.figure} | ${r.unit} | ${cell(t)} | ${cell(s)} | ${ratio} | ${target} |`);
  }
  return `${lines.join("\n")}\n`;
}
