// Names for the real-time signals, SIGRTMIN to SIGRTMAX, which Node's signal table (and so Bun's) leaves
// out: "RTMIN", "RTMIN+1" ... "RTMAX-1", "RTMAX", as bash's `kill -l` writes them. The numbers are the C
// library's (glibc 34-64, musl 35-64), read from it once, so that RTMIN+2 means what it means to the
// programs, which use the same library.
import { libc } from "./libc.ts";

let range: { min: number; max: number } | null | undefined;

/** SIGRTMIN and SIGRTMAX of this C library; null when libc cannot be loaded. */
export function realtimeRange(): { min: number; max: number } | null {
  if (range !== undefined) return range;
  try {
    const c = libc();
    range = { min: c.__libc_current_sigrtmin(), max: c.__libc_current_sigrtmax() };
  } catch {
    range = null;
  }
  return range;
}

// 34 -> "RTMIN", 36 -> "RTMIN+2", 63 -> "RTMAX-1" (the lower half counts up from RTMIN, the upper
// half down from RTMAX, as bash does); null for a number outside the range.
export function realtimeName(n: number): string | null {
  const r = realtimeRange();
  if (r === null || !Number.isInteger(n) || n < r.min || n > r.max) return null;
  if (n === r.min) return "RTMIN";
  if (n === r.max) return "RTMAX";
  return n - r.min <= (r.max - r.min) / 2 ? `RTMIN+${n - r.min}` : `RTMAX-${r.max - n}`;
}

// "RTMIN+2" (any case, no "SIG") -> 36; "RTMAX-28" is the same signal. null for anything else.
export function realtimeNumber(name: string): number | null {
  const match = /^RT(MIN|MAX)(?:([+-])(\d{1,2}))?$/i.exec(name);
  const r = realtimeRange();
  if (match === null || r === null) return null;
  const base = match[1]!.toUpperCase() === "MIN" ? r.min : r.max;
  const offset = match[3] === undefined ? 0 : Number(match[3]);
  // RTMIN counts up and RTMAX down: "RTMIN-1" or "RTMAX+1" would leave the range.
  if (offset !== 0 && match[2] !== (base === r.min ? "+" : "-")) return null;
  const n = base === r.min ? base + offset : base - offset;
  return n >= r.min && n <= r.max ? n : null;
}
