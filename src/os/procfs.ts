// Readers of /proc: who tsvisor's children are, and what a process holds (descriptors, memory).
// The parsers are exported pure so that tests feed them text; the readers only add the file access.
import { closeSync, existsSync, openSync, readSync, readdirSync, readFileSync } from "node:fs";

/** The fields of /proc/PID/stat that tsvisor uses. */
export interface ProcStat {
  pid: number;
  /** The executable's name, at most 15 characters, as the kernel keeps it. */
  comm: string;
  /** R running, S sleeping, D disk sleep, Z zombie, T stopped, ... */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** When it started, in clock ticks after boot: with the pid, it names one process (pids are reused). */
  startTicks: number;
}

// "42 (my prog) S 1 42 42 ..." -> fields. comm may hold spaces and ")", so it ends at the last ")".
export function parseStat(text: string): ProcStat {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) throw new Error(`not a /proc/PID/stat line: ${JSON.stringify(text.slice(0, 80))}`);
  // after ")": state(3) ppid(4) pgrp(5) session(6) ... starttime(22)
  const fields = text.slice(close + 2).split(" ");
  const [state = "?", ppid, pgrp, session] = fields;
  return {
    pid: Number(text.slice(0, open).trim()), comm: text.slice(open + 1, close), state, ppid: Number(ppid), pgrp: Number(pgrp),
    session: Number(session), startTicks: Number(fields[19]),
  };
}

// "12 15 20 " (a task's children file) -> [12, 15, 20]
export function parseChildren(text: string): number[] {
  return text.split(" ").filter((s) => s !== "").map(Number);
}

// "VmRSS:\t  24576 kB" in /proc/PID/status -> 24576 * 1024; null when the line is missing (a zombie has none).
export function parseStatusBytes(text: string, field: string): number | null {
  const match = new RegExp(`^${field}:\\s*(\\d+) kB$`, "m").exec(text);
  return match ? Number(match[1]) * 1024 : null;
}

// "Uid:\t1000\t1000\t1000\t1000" in /proc/PID/status -> [real, effective, saved, filesystem]; null when missing.
export function parseStatusUids(text: string): number[] | null {
  const match = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$/m.exec(text);
  return match ? match.slice(1).map(Number) : null;
}

// The process's uids (real, effective, saved, filesystem); null when it is gone.
export function readUids(pid: number): number[] | null {
  try {
    return parseStatusUids(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return null;
  }
}

// The pids of this process's children, from every thread's children file: a child is listed under
// the thread that forked it, and an orphan under whichever thread the kernel picked as its reaper.
// Falls back to scanning every /proc/PID/stat when the kernel lacks CONFIG_PROC_CHILDREN.
export function readOwnChildren(): number[] {
  return readChildren(process.pid);
}

// The same for any process; [] when it is gone.
export function readChildren(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return pid === process.pid ? scanForChildren(pid) : [];
  }
  const pids = new Set<number>();
  for (const task of tasks) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT" && task === String(pid) && existsSync(`/proc/${pid}`)) return scanForChildren(pid);
      continue; // the thread ended while we looked
    }
    for (const child of parseChildren(text)) pids.add(child);
  }
  return [...pids];
}

// The value of `name` in the environment a process was started with (/proc/PID/environ: what execve
// got, unless the process has since written over that memory, as setproctitle() does); null when
// unset. undefined when not known now: unreadable, or read empty, as a process's environment reads
// for a fraction of a millisecond (up to 4 ms measured) while it execs, and for good after `env -i`.
// Only the first `maxBytes` are read: a process chooses its environment's size (megabytes, with a
// large stack limit), and must not make tsvisor read that much.
export function readEnvironValue(pid: number, name: string, maxBytes = 64 * 1024): string | null | undefined {
  const environ = Buffer.alloc(maxBytes);
  let length = 0;
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/environ`, "r");
  } catch {
    return undefined;
  }
  try {
    for (let n = -1; n !== 0 && length < maxBytes; length += n) n = readSync(fd, environ, length, maxBytes - length, null);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
  if (length === 0) return undefined;
  // cut short: the last entry may be a prefix of itself ("web-1" of "web-10"), so it does not count
  const whole = length < maxBytes ? length : environ.lastIndexOf(0, length - 1) + 1;
  return parseEnvironValue(environ.subarray(0, whole), name);
}

// "A=1\0B=2\0" and "B" -> "2"; null when absent.
export function parseEnvironValue(environ: Uint8Array, name: string): string | null {
  const prefix = Buffer.from(`${name}=`);
  const bytes = Buffer.from(environ.buffer, environ.byteOffset, environ.byteLength);
  for (let start = 0; start < bytes.length; ) {
    const end = bytes.indexOf(0, start);
    const stop = end < 0 ? bytes.length : end;
    if (stop - start >= prefix.length && bytes.subarray(start, start + prefix.length).equals(prefix)) return bytes.toString("utf8", start + prefix.length, stop);
    start = stop + 1;
  }
  return null;
}

// Every process whose parent is `ppid`, by reading each /proc/PID/stat (slower: used only as a
// fallback). [] without /proc at all: nothing can be found then, and a reaper must not crash over it.
export function scanForChildren(ppid: number): number[] {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat?.ppid === ppid) pids.push(stat.pid);
  }
  return pids;
}

// /proc/PID/stat parsed; null when the process is gone.
export function readStat(pid: number): ProcStat | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return null;
  }
}

// How many file descriptors a process holds open.
export function countOpenFds(pid: number | "self" = "self"): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

// Resident memory of a process in bytes; null when it is gone or a zombie.
export function readRssBytes(pid: number | "self" = "self"): number | null {
  try {
    return parseStatusBytes(readFileSync(`/proc/${pid}/status`, "utf8"), "VmRSS");
  } catch {
    return null;
  }
}

// "SigIgn:\t0000000000001000" in /proc/PID/status -> [13]: the signal numbers set in that mask.
export function parseSignalMask(text: string, field: "SigIgn" | "SigCgt" | "SigBlk" | "SigPnd"): number[] {
  const hex = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, "m").exec(text)?.[1] ?? "0";
  const mask = BigInt(`0x${hex}`);
  const signals: number[] = [];
  for (let n = 1; n <= hex.length * 4; n++) if ((mask >> BigInt(n - 1)) & 1n) signals.push(n);
  return signals;
}
