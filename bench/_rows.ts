// The figures of a side-by-side benchmark, tsvisor against supervisord round after round, and the
// markdown table they are printed as: medians, p10–p90 over rounds, the ratio, the target's verdict.
import { quantile } from "./_supervisord.ts";

// Quantiles of unsorted samples.
export const quantileOf = (xs: readonly number[], q: number) => quantile([...xs].sort((a, b) => a - b), q);
export const median = (xs: readonly number[]) => quantileOf(xs, 0.5);

/** One figure: its samples by subject ("tsvisor", "supervisord", "floor", "bare loop"), and its target's verdict. */
export interface Row { figure: string; unit: string; samples: Record<string, number[]>; target?: (t: number, ref: number) => string }

export function render(rows: Row[], rounds: number): string {
  const f = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : Math.abs(n) >= 1 || n === 0 ? n.toFixed(2) : n.toPrecision(2));
  const cell = (xs?: number[]) => (xs?.length ? `${f(median(xs))} (${f(quantileOf(xs, 0.1))}–${f(quantileOf(xs, 0.9))})` : "–");
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
    let target = r.target && t.length && s.length ? r.target(median(t), median(s)) : "";
    if (r.samples["bare loop"]) {
      const bare = median(r.samples["bare loop"]);
      target = `≤ 2× bare fork+exec loop (${f(bare)} ms, ${cell(r.samples["bare loop"])}): ${median(t) <= 2 * bare ? "met" : "MISSED"} (${(median(t) / bare).toFixed(2)}×)`;
    }
    lines.push(`| ${r.figure} | ${r.unit} | ${cell(t)} | ${cell(s)} | ${ratio} | ${target} |`);
  }
  return `${lines.join("\n")}\n`;
}
