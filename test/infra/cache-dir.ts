// What the slow suites take minutes to make (debootstrapped root file systems, Docker's data root
// with the images imported from them) is kept here between runs, so only the first run pays.
// TSVISOR_TEST_CACHE moves it; deleting it is always safe (the next run makes it again).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { isAlive } from "./processes.ts";
import { waitFor } from "./wait-for.ts";

export const CACHE_DIR = resolve(process.env.TSVISOR_TEST_CACHE ?? "/var/cache/tsvisor-test");

/** A path inside the cache. */
export const cachePath = (...parts: string[]) => join(CACHE_DIR, ...parts);

export interface CacheLock {
  release(): void;
  [Symbol.dispose](): void;
}

/**
 * Hold the cache's lock named `name` until release(): another run on this machine (another
 * worktree's test:docker) waits for it. The lock is a directory, made atomically, holding the
 * holder's pid; one whose holder has died (a run killed with SIGKILL) is taken over.
 */
export async function lockCache(name: string, timeoutMs = 20 * 60_000): Promise<CacheLock> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const dir = cachePath(`${name}.lock`);
  let holder = "";
  await waitFor(() => {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, "pid"), String(process.pid));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    holder = readPid(join(dir, "pid"));
    // A holder between its mkdir and its pid file has no pid yet: give it the next poll.
    if (holder && !isAlive(Number(holder))) rmSync(dir, { recursive: true, force: true });
    return false;
  }, `the lock ${dir}, held by pid ${holder || "?"} (another test run on this machine?)`, timeoutMs);
  const release = () => {
    if (readPid(join(dir, "pid")) === String(process.pid)) rmSync(dir, { recursive: true, force: true });
  };
  return { release, [Symbol.dispose]: release };
}

/**
 * The cache's directory `name`, made by `make` on first use. `make` fills a temporary sibling that
 * is renamed into place only once it is complete: a run killed half-way leaves no half-made copy.
 */
export async function cachedDirectory(name: string, make: (dir: string) => Promise<void>): Promise<string> {
  const dir = cachePath(name);
  if (existsSync(dir)) return dir;
  using _lock = await lockCache(name);
  if (existsSync(dir)) return dir; // made by the run we waited for
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  await make(partial);
  renameSync(partial, dir);
  return dir;
}

function readPid(file: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return "";
  }
}
