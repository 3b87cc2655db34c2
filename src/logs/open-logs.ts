// Every open log output, so that USR2 (after an external logrotate) and `tsvisor logs --reopen` can
// reopen them all at their paths.
interface OpenLog {
  reopen(): void;
  /** The path it writes to, when it is a file. */
  readonly path?: string;
}

const OPEN = new Set<OpenLog>();

export function trackOpenLog(log: OpenLog): void {
  OPEN.add(log);
}

export function untrackOpenLog(log: OpenLog): void {
  OPEN.delete(log);
}

/** Reopen every open log output at its path (after an external `mv`); returns how many. */
export function reopenLogFiles(): number {
  for (const log of OPEN) log.reopen();
  return OPEN.size;
}

/** Reopen the outputs that write to `path` (after it was emptied: they count its size from zero again). */
export function reopenLogAt(path: string): void {
  for (const log of OPEN) if (log.path === path) log.reopen();
}
