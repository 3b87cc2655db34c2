// Where a process's (or tsvisor's own) log lines go, chosen by what the path is when tsvisor starts
// writing: a regular file, or nothing yet, is a rotating file; a named pipe or a character device
// (/dev/stdout, /dev/null) is written as is (supervisord's behaviour, which users rely on).
import { find } from "../os/safe-open.ts";
import { DeviceLog } from "./device-log.ts";
import { RotatingFile, type RotatingFileOptions } from "./rotating-file.ts";

export type LogFile = RotatingFile | DeviceLog;

export function openLogFile(options: RotatingFileOptions): LogFile {
  return isStream(options.path) ? new DeviceLog(options) : new RotatingFile(options);
}

function isStream(path: string): boolean {
  try {
    const found = find(path);
    found.dir.close();
    return found.kind === "stream";
  } catch {
    return false; // a refused or unreachable path: RotatingFile says why, drops and counts, and tries again
  }
}
