// After start-up, tsvisor unmaps the pages of its own executable that start-up touched: the runtime's
// code for parsing, compiling and loading (JavaScriptCore, Bun, TinyCC, the bundle's bytecode), which
// an idle supervisor never runs again. They stay in the kernel's page cache, so a page needed later is
// mapped again by a minor fault, with no disk read; until then it is not in tsvisor's RSS. Of a
// 100 MB executable, start-up maps ~40 MB, and the kernel's fault-around maps 64 KiB around every
// page touched; idle, tsvisor uses a few MB of them (docs/performance.md has the figures).
//
// madvise(MADV_DONTNEED) is safe only where no page holds anything of the process's own: a page of a
// private file mapping that was written (copy-on-write, as the dynamic linker does to relocate
// read-only data) would lose its content and read back the file's. So only mappings of the
// executable that are not writable and hold no anonymous (written) page at all, as smaps reports
// them, are released: the code and the read-only data, never .data, .bss, the heap or relocated
// data. The executable is the running one, which the kernel keeps from being written (ETXTBSY), so
// what is mapped again is the same bytes.
import { readFileSync, readlinkSync } from "node:fs";
import { libc } from "./libc.ts";
import { mapPageByPage } from "./page-by-page.ts";

const MADV_DONTNEED = 4;

/** One mapping of /proc/PID/smaps, with what release decisions need. */
export interface Mapping {
  start: bigint;
  end: bigint;
  /** "r-xp", "r--p", "rw-p", ... */
  perms: string;
  /** The mapped file, "" for anonymous memory, "[heap]" and the like for the kernel's names. */
  path: string;
  rssKib: number;
  /** Pages the process wrote (copy-on-write copies in a file mapping). */
  anonymousKib: number;
}

// "/proc/self/smaps" text -> its mappings. A header line starts with "start-end perms"; the fields
// that follow are "Name:   N kB" lines.
export function parseSmaps(text: string): Mapping[] {
  const mappings: Mapping[] = [];
  let current: Mapping | null = null;
  for (const line of text.split("\n")) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+ *(.*)$/.exec(line);
    if (header) {
      current = { start: BigInt(`0x${header[1]}`), end: BigInt(`0x${header[2]}`), perms: header[3]!, path: header[4]!, rssKib: 0, anonymousKib: 0 };
      mappings.push(current);
      continue;
    }
    const field = /^(Rss|Anonymous):\s+(\d+) kB$/.exec(line);
    if (field && current) current[field[1] === "Rss" ? "rssKib" : "anonymousKib"] = Number(field[2]);
  }
  return mappings;
}

/** The mappings of `executable` whose pages can all be dropped and read back unchanged. */
export function releasableMappings(mappings: readonly Mapping[], executable: string): Mapping[] {
  return mappings.filter((m) => m.path === executable && !m.perms.includes("w") && m.anonymousKib === 0 && m.rssKib > 0);
}

/** What a release did: the KiB that were resident, and whether later faults map page by page. */
export interface Release {
  releasedKib: number;
  /** null: the pages come back one per fault (page-by-page.ts); else why they come back 64 KiB at a time. */
  faultAround: string | null;
}

/**
 * Unmap the executable's clean pages (see above), having the kernel map them back page by page where
 * it can; null when it cannot be done here (no /proc, no madvise): then nothing changes but the RSS figure.
 */
export function releaseStartupPages(): Release | null {
  try {
    const executable = readlinkSync("/proc/self/exe");
    const mappings = releasableMappings(parseSmaps(readFileSync("/proc/self/smaps", "utf8")), executable);
    const faultAround = mapPageByPage(mappings);
    let releasedKib = 0;
    for (const m of mappings) {
      if (libc().madvise(m.start, m.end - m.start, MADV_DONTNEED) === 0) releasedKib += m.rssKib;
    }
    return { releasedKib, faultAround };
  } catch {
    return null;
  }
}

/**
 * A process's file-backed resident memory (RssFile, KiB): the executable's pages mapped, and any
 * other file's. Read from /proc/PID/status, a count the kernel keeps (no page-table walk, as smaps
 * is): cheap enough to look at every minute. null where there is no /proc. This process's by default;
 * the tests read the daemon's.
 */
export function fileBackedResidentKib(pid: number | "self" = "self"): number | null {
  try {
    const match = /^RssFile:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match === null ? null : Number(match[1]);
  } catch {
    return null;
  }
}
