// The log_dir a config that names none gets: /var/log/tsvisor as root, logs/ beside the main config
// file otherwise; where that cannot be written (a container run as another user than root, a
// read-only root file system), logs/ in the user's private directory under /tmp; where nothing can,
// "none": the programs' output reaches only the console (docker logs), and tsvisor says so once.
// /dev/shm, where the socket may still go, is left out: it is memory, 64 MB in a container.
import { dirname, join } from "node:path";
import { privateDirProblem, writableDirProblem } from "../os/private-dir.ts";
import { LOG_DIR_ROOT, LOG_DIR_USER, NO_LOGFILE } from "./defaults.ts";
import { privateTempDirs } from "./socket-path.ts";

/** Why a directory cannot hold the logs (the end of a sentence), or null; tests pass their own. */
export interface DirProbe {
  /** An ordinary directory, made when missing: its nearest existing parent must be writable. */
  writable(dir: string): string | null;
  /** A private directory (os/private-dir.ts), made by the daemon when missing. */
  private(dir: string, uid: number): string | null;
}

const REAL_PROBE: DirProbe = {
  writable: (dir) => writableDirProblem(dir, { mayCreate: true }),
  private: (dir, uid) => privateDirProblem(dir, { create: false, uid }),
};

/** The default log_dir ("none": no log files), and a note to log when it is not the usual place. */
export interface LogDirChoice {
  dir: string;
  note: string | null;
}

export function defaultLogDir(mainFile: string, uid: number, probe: DirProbe = REAL_PROBE): LogDirChoice {
  const usual = uid === 0 ? LOG_DIR_ROOT : join(dirname(mainFile), LOG_DIR_USER);
  const usualProblem = probe.writable(usual);
  if (usualProblem === null) return { dir: usual, note: null };
  const [privateDir] = privateTempDirs(uid);
  const fallback = join(privateDir!, LOG_DIR_USER);
  const fallbackProblem = probe.private(privateDir!, uid);
  if (fallbackProblem === null) {
    return { dir: fallback, note: `log_dir: ${usual} ${usualProblem}; the log files go to ${fallback} (set [supervisor] log_dir to choose a place)` };
  }
  return {
    dir: NO_LOGFILE,
    note: `log files are off: no default log_dir can be written (${usual} ${usualProblem}; ${privateDir} ${fallbackProblem}); `
      + 'the programs\' output still reaches the console (docker logs, the journal). Set [supervisor] log_dir to a writable directory (docker run --tmpfs /tmp), or log_dir = "none" to say so',
  };
}
