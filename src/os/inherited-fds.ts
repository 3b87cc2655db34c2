// The descriptors tsvisor was started with beyond stdin, stdout and stderr, for the command it runs in
// its place (foreground-child.ts), as tini and dumb-init pass them on: systemd's socket-activation
// sockets, `exec 5>file; tsvisor -- sh -c 'echo x >&5'`.
// Telling them from Bun's own is the hard part. Before any JavaScript runs, Bun's runtime marks every
// inherited descriptor from 4 up close-on-exec and opens its event loop (an epoll instance and the
// eventfd it watches), so neither "open" nor "close-on-exec" says whose a descriptor is. What does:
// Bun's are an epoll instance and what one watches. An inherited epoll instance (never seen in
// practice) is therefore kept back too; test/integration/init-mode-fds.test.ts checks that CMD gets
// no descriptor of Bun's, so a Bun upgrade that opens more at start-up fails it.
import { closeSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { FD_CLOEXEC, F_GETFD, F_SETFD, libc } from "./libc.ts";

let snapshot: number[] | undefined;

/**
 * The inherited descriptors above 2, in order. Read on the first call, which must come before tsvisor
 * opens anything itself (the first thing init mode and `run -- CMD` do); later calls return the same.
 */
export function inheritedFds(): number[] {
  snapshot ??= readInheritedFds();
  return snapshot;
}

/** Clear close-on-exec on each (Bun set it), so that an execve() keeps them: init mode's helper. */
export function keepAcrossExec(fds: readonly number[]): void {
  const c = libc();
  for (const fd of fds) {
    const flags = c.fcntl(fd, F_GETFD, 0);
    if (flags >= 0) c.fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
  }
}

/** Set close-on-exec back on each, as Bun had it: for when the execve() after keepAcrossExec failed. */
export function closeOnExecAgain(fds: readonly number[]): void {
  const c = libc();
  for (const fd of fds) {
    const flags = c.fcntl(fd, F_GETFD, 0);
    if (flags >= 0) c.fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }
}

/** Close tsvisor's copies once the command has its own: they are the command's, not tsvisor's. */
export function closeInheritedFds(): void {
  for (const fd of inheritedFds()) {
    try {
      closeSync(fd);
    } catch {
      // closed already
    }
  }
  snapshot = [];
}

function readInheritedFds(): number[] {
  // readdirSync's own descriptor is in the list but closed once it returns: readlink (which opens
  // nothing, so cannot be given that number again) fails on it.
  const open = new Map<number, string>();
  for (const entry of readdirSync("/proc/self/fd")) {
    const fd = Number(entry);
    if (!Number.isInteger(fd) || fd <= 2) continue;
    try {
      open.set(fd, readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // not open (any more)
    }
  }
  const bunOwn = new Set<number>();
  for (const [fd, target] of open) {
    if (target !== "anon_inode:[eventpoll]") continue;
    bunOwn.add(fd);
    for (const watched of watchedBy(fd)) bunOwn.add(watched);
  }
  return [...open.keys()].filter((fd) => !bunOwn.has(fd)).sort((a, b) => a - b);
}

// The descriptors an epoll instance watches: its fdinfo has a "tfd: N" line for each.
function watchedBy(epollFd: number): number[] {
  try {
    return [...readFileSync(`/proc/self/fdinfo/${epollFd}`, "utf8").matchAll(/^tfd:\s*(\d+)/gm)].map((m) => Number(m[1]));
  } catch {
    return [];
  }
}
