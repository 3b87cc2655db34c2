// Every open log output, so that USR2 (after an external logrotate) and `tsvisor logs --reopen` can
// reopen them all at their paths.
const OPEN = new Set<{ reopen(): void }>();

export function trackOpenLog(log: { reopen(): void }): void {
  OPEN.add(log);
}

export function untrackOpenLog(log: { reopen(): void }): void {
  OPEN.delete(log);
}

/** Reopen every open log output at its path (after an external `mv`); returns how many. */
export function reopenLogFiles(): number {
  for (const log of OPEN) log.reopen();
  return OPEN.size;
}
