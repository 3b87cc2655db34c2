// One tsvisor per log_dir (docs/logs.md "One tsvisor per log directory"): a second one (another
// socket, the same log_dir) would write into the same files, their rotations racing. What is known of
// a holder is what its lock file says: its owner, and the pid written in it, which anyone who can
// write log_dir may have written.
import { TsvisorError } from "../errors.ts";
import { lockDirectory } from "../os/file-lock.ts";
import { lookupUser } from "../os/users.ts";

/** The file in log_dir whose flock says which tsvisor writes there. */
export const LOG_DIR_LOCK = ".tsvisor.lock";

/**
 * Lock `logDir` for this tsvisor until release() (or this process's end). Held by another tsvisor (on
 * a file of tsvisor's user or root's): throws LOG_DIR_IN_USE. Not lockable (a link planted at the lock
 * file's name, a file system without flock) or held on another user's file: tsvisor runs without the
 * lock, and `warning` says so for the log. A directory that cannot
 * be made or opened is left to the log files themselves to report.
 */
export function claimLogDir(logDir: string, uid: number): { release(): void; warning: string | null } {
  let lock: ReturnType<typeof lockDirectory>;
  try {
    lock = lockDirectory(logDir, LOG_DIR_LOCK);
  } catch {
    return { release: () => {}, warning: null };
  }
  if (lock.state === "held") return { release: lock.release, warning: null };
  if (lock.state === "unavailable") {
    // Refusing to start would hand anyone who can write log_dir a way to keep tsvisor down; running
    // on is what the log files do with a planted link too (drop, say so, go on).
    return {
      release: () => {},
      warning: `log_dir ${logDir}: unable to take its lock: ${lock.why}; running without it, so another tsvisor on this log_dir would not be refused and both would write into the same log files`,
    };
  }
  const { owner, claimedPid } = lock.holder;
  const path = `${logDir}/${LOG_DIR_LOCK}`;
  if (owner === uid || owner === 0) {
    throw new TsvisorError(
      "LOG_DIR_IN_USE",
      `log_dir ${logDir} is in use by another tsvisor${claimedPid === null ? "" : ` (pid ${claimedPid})`}: both would write into the same log files`,
      "give each tsvisor its own [supervisor] log_dir, or stop the other one first",
    );
  }
  // Not tsvisor's user's file (nor root's): someone who can write log_dir made it, and a tsvisor would
  // have made its own. Refusing to start on it would hand that user a way to keep tsvisor down, as a
  // planted link would (above): so it is said, and tsvisor runs on without the lock (second red team).
  return {
    release: () => {},
    warning: `log_dir ${logDir}: a process holds the lock on ${path}, but the file is owned by ${describeUser(owner)}, not by tsvisor's user` +
      `${claimedPid === null ? "" : ` (it claims pid ${claimedPid})`}: not taken as another tsvisor's; running without the lock, so another tsvisor on this log_dir would not be refused`,
  };
}

// "uid 65534 (nobody)"; the number alone when /etc/passwd has no name for it.
function describeUser(uid: number): string {
  const name = lookupUser(uid)?.name;
  return name === undefined || name === String(uid) ? `uid ${uid}` : `uid ${uid} (${name})`;
}
