// [supervisor] socket as a client reads it: the config files and that one key, nothing else (see
// socket-path.ts for why a client must not resolve the programs).
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { ConfigError, displayPath } from "./diagnostic.ts";
import { readConfigFiles } from "./include.ts";
import { iniSocket } from "./ini/translate.ts";
import { isSupervisordConf } from "./load.ts";
import { locateKey } from "./locate.ts";
import { mergeConfigFiles } from "./merge.ts";
import { ValueError } from "./value-error.ts";
import { text } from "./values.ts";

export { findConfigFile } from "./load.ts";

// [supervisor] socket of the config in `file` and its includes, resolved against the file that sets it.
export function configuredSocket(file: string, cwd: string): string | null {
  const display = (f: string) => displayPath(f, cwd);
  if (isSupervisordConf(file)) {
    const ini = iniSocket(file, { env: process.env, hostname: hostname(), display });
    if (ini.errors.length > 0) throw new ConfigError(ini.errors, ini.sources, cwd);
    return ini.socket;
  }
  const read = readConfigFiles(file, display);
  if (read.diagnostics.length > 0) throw new ConfigError(read.diagnostics, read.sources, cwd);
  const merged = mergeConfigFiles(read.files, read.sources, display);
  const conflicts = merged.diagnostics.filter((d) => d.path === "supervisor.socket");
  if (conflicts.length > 0) throw new ConfigError(conflicts, read.sources, cwd);
  const entry = merged.raw.supervisor.get("socket");
  if (entry === undefined) return null;
  try {
    return resolve(dirname(entry.file), text(entry.value)); // as resolve.ts resolves every path
  } catch (error) {
    if (!(error instanceof ValueError)) throw error;
    const at = locateKey(read.sources.get(entry.file) ?? "", ["supervisor", "socket"], "value");
    throw new ConfigError([{ file: entry.file, ...at, path: "supervisor.socket", message: error.message }], read.sources, cwd);
  }
}
