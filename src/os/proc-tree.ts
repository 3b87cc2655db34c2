// Process trees and their cost from /proc: the pieces tree-reader.ts walks them with. A sample walks
// down from each root through /proc/PID/task/*/children and reads the stat of each process found, so
// it costs in proportion to the programs' own processes, not to everything on the host (a scan of all
// /proc took 50 ms with 1000 processes here). Where the kernel lacks the children files
// (CONFIG_PROC_CHILDREN), it falls back to one scan of /proc/[0-9]*/stat for all roots. Parsers are
// pure and exported for tests; knows nothing about programs.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";

/** What one /proc/PID/stat line tells about its process. */
export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  /** Resident set size in pages. */
  rssPages: number;
  /** Threads in the process: with one, its children are all in /proc/PID/task/PID/children. */
  threads: number;
}

// USER_HZ: the unit of utime and stime, 100 on every Linux architecture tsvisor builds for.
export const CLOCK_TICKS_PER_SECOND = 100;

// One /proc/PID/stat line -> its fields; null for anything else. The command name (field 2) is in
// parentheses and may itself hold spaces and ")", so fields are counted from the last ")".
export function parseStat(text: string): ProcStat | null {
  const close = text.lastIndexOf(")");
  if (close < 0) return null;
  const pid = Number.parseInt(text, 10);
  // after ")": state(3) ppid(4) ... utime(14) stime(15) ... num_threads(20) ... rss(24)
  const fields = text.slice(close + 2).split(" ");
  const ppid = Number(fields[1]);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const threads = Number(fields[17]);
  const rss = Number(fields[21]);
  if (![pid, ppid, utime, stime, threads, rss].every(Number.isFinite)) return null;
  return { pid, ppid, cpuTicks: utime + stime, rssPages: rss, threads };
}

/** The whole tree under one root: summed over the root and all its descendants. */
export interface TreeUsage {
  cpuTicks: number;
  rssBytes: number;
  pids: number[];
}

// Sum each root's tree from one list of stats; a root that is not in the list is left out.
export function sumTrees(stats: readonly ProcStat[], roots: readonly number[], pageSize: number): Map<number, TreeUsage> {
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  const children = new Map<number, number[]>();
  for (const s of stats) {
    const siblings = children.get(s.ppid);
    if (siblings === undefined) children.set(s.ppid, [s.pid]);
    else siblings.push(s.pid);
  }
  const result = new Map<number, TreeUsage>();
  for (const root of roots) {
    if (!byPid.has(root)) continue;
    const usage: TreeUsage = { cpuTicks: 0, rssBytes: 0, pids: [] };
    for (const stack = [root]; stack.length > 0; ) {
      const pid = stack.pop()!;
      const s = byPid.get(pid)!;
      usage.cpuTicks += s.cpuTicks;
      usage.rssBytes += s.rssPages * pageSize;
      usage.pids.push(pid);
      stack.push(...(children.get(pid) ?? []));
    }
    result.set(root, usage);
  }
  return result;
}

export const statPath = (pid: number): string => `/proc/${pid}/stat`;
const childrenPath = (pid: number, tid: number | string): string => `/proc/${pid}/task/${tid}/children`;

/** Reads one /proc file whole: its text, or null when it cannot be read (the process is gone). */
export type ProcRead = (path: string) => string | null;

// Children of every thread of `pid` (a child belongs to the thread that forked it); a
// single-threaded process needs no listing of its threads. The main thread's list is read through
// `read` (which may keep it open, tree-reader.ts), the other threads' through readOnce: they come and go.
export function readChildren(pid: number, threads: number, read: ProcRead): number[] {
  const children: number[] = [];
  let tids: (number | string)[];
  try {
    tids = threads === 1 ? [pid] : readdirSync(`/proc/${pid}/task`);
  } catch {
    return children; // gone meanwhile
  }
  for (const tid of tids) {
    const text = (Number(tid) === pid ? read : readOnce)(childrenPath(pid, tid));
    if (text === null) continue; // that thread (or the process) is gone meanwhile
    for (const child of text.split(" ")) if (child !== "" && child !== "\n") children.push(Number(child));
  }
  return children;
}

export function readOnce(path: string): string | null {
  try {
    return readFileSync(path, "latin1");
  } catch {
    return null;
  }
}

let childrenFiles: boolean | undefined;
export const hasChildrenFiles = (): boolean => (childrenFiles ??= existsSync(`/proc/self/task/${process.pid}/children`));

// Every live process's stat, read once; a process that exits during the scan is skipped.
export function readAllStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync("/proc")) {
    const c = entry.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    try {
      const stat = parseStat(readFileSync(`/proc/${entry}/stat`, "latin1"));
      if (stat) stats.push(stat);
    } catch {
      // gone between readdir and read
    }
  }
  return stats;
}

// AT_PAGESZ from the auxiliary vector (4 KiB on x86-64, 4 or 64 KiB on arm64); 4096 if unreadable.
export function pageSize(): number {
  try {
    return parseAuxvPageSize(readFileSync("/proc/self/auxv"));
  } catch {
    return 4096;
  }
}

const AT_PAGESZ = 6n;

// /proc/self/auxv: pairs of native 64-bit words (type, value), ending with type 0.
export function parseAuxvPageSize(auxv: Uint8Array): number {
  const view = new DataView(auxv.buffer, auxv.byteOffset, auxv.byteLength);
  for (let at = 0; at + 16 <= auxv.byteLength; at += 16) {
    const type = view.getBigUint64(at, true);
    if (type === 0n) break;
    if (type === AT_PAGESZ) return Number(view.getBigUint64(at + 8, true));
  }
  return 4096;
}

// The proportional set size of each process, summed: a page shared by N processes counts 1/N in each,
// so a tree of 2,000 `sleep`s sharing libc counts it once, where summed RSS counted it 2,000 times
// (3.1 GiB on a machine using 1.48 GiB). From /proc/PID/smaps_rollup (Linux >= 4.14), which costs more
// than a stat read: the kernel walks the process's page tables, and a program that maps much (12
// processes each mapping a 1 GiB memfd 8 times) makes each read take 0.1-0.4 s. So the reads are
// asynchronous: Bun does them on its thread pool, one after the other, and the JS thread, which
// answers the control socket, never waits for one (docs/health.md, issue 18's F10).
// null when the kernel has no smaps_rollup (or it may not be read): the caller falls back to RSS.
export async function sumPss(pids: readonly number[]): Promise<number | null> {
  if (smapsRollup === false) return null;
  let bytes = 0;
  for (const pid of pids) {
    let text: string;
    try {
      text = await readFile(`/proc/${pid}/smaps_rollup`, "latin1");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ESRCH" || (code === "ENOENT" && !existsSync(`/proc/${pid}`))) continue; // gone meanwhile
      smapsRollup = false; // no such file on this kernel, or not ours to read
      return null;
    }
    smapsRollup = true;
    bytes += parsePssBytes(text) ?? 0; // a zombie's rollup is empty
  }
  return bytes;
}

let smapsRollup: boolean | undefined;

// "Pss:   113 kB" in smaps_rollup -> 115712; null without the line.
export function parsePssBytes(text: string): number | null {
  const match = /^Pss:\s+(\d+) kB$/m.exec(text);
  return match ? Number(match[1]) * 1024 : null;
}
