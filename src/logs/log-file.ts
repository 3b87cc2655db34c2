// Where a process's (or tsvisor's own) log lines go, chosen by what the path is when tsvisor starts
// writing: a regular file, or nothing yet, is a rotating file; a named pipe or a character device
// (/dev/stdout, /dev/null) is written as is (supervisord's behaviour, which users rely on). A named
// pipe of another user than root, tsvisor's or the program's is not a log's: it is treated as a
// planted file is (refused, lines dropped and counted), and once it is gone tsvisor makes its own file.
import { find, mayReceiveWrites } from "../os/safe-open.ts";
import { DeviceLog } from "./device-log.ts";
import { RotatingFile, type RotatingFileOptions } from "./rotating-file.ts";

export type LogFile = RotatingFile | DeviceLog;

export function openLogFile(options: RotatingFileOptions): LogFile {
  return isStream(options.path, options.owner?.uid ?? null) ? new DeviceLog(options) : new RotatingFile(options);
}

function isStream(path: string, owner: number | null): boolean {
  try {
    const found = find(path);
    try {
      if (found.kind !== "stream") return false;
      if (found.follow || found.what.type !== "fifo") return true;
      const fifo = found.dir.lstat(found.name);
      return fifo !== null && mayReceiveWrites(fifo.uid, owner);
    } finally {
      found.dir.close();
    }
  } catch {
    return false; // a refused or unreachable path: RotatingFile says why, drops and counts, and tries again
  }
}
