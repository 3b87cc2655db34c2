// Start-up's garbage, collected as it is made. Each program's spawn makes garbage (its options, its
// environment's copy, Bun's conversions of both) beside the objects the program keeps for its life
// (its record, its pipes' readers, its log files). Left to its own schedule while 1,000 programs
// started, JavaScriptCore's collector let that garbage take new blocks of the heap before it ran, and
// the objects kept were spread over them: a collector that does not move objects cannot give such
// blocks back, and they stayed resident for the daemon's life, 2.5 MiB of RssAnon at 1,000 programs
// (docs/performance.md). Collecting the young generation every SPAWNS_PER_COLLECTION spawns frees
// that garbage while it is young, and the next programs' objects fill the holes it leaves.
import { edenGC } from "bun:jsc";

// 64 kept as much as every spawn did (and every 16th); every 256th kept a sixth of it.
const SPAWNS_PER_COLLECTION = 64;

let spawnsSince = 0;

/** Called after each program's spawn. */
export function collectSpawnGarbage(): void {
  if (++spawnsSince < SPAWNS_PER_COLLECTION) return;
  spawnsSince = 0;
  edenGC();
}
