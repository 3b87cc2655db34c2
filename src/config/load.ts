// The config module's entry point: find the file, read it and its includes, merge, resolve, and
// throw every problem at once as a ConfigError. Consumers import loadConfig from here.
import { existsSync, lstatSync, statSync, type Stats } from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { TsvisorError } from "../errors.ts";
import { ConfigError, displayPath } from "./diagnostic.ts";
import { readConfigFiles } from "./include.ts";
import { noteOf, translateIni } from "./ini/translate.ts";
import { mergeConfigFiles } from "./merge.ts";
import { type ResolveContext, resolveConfig } from "./resolve.ts";
import type { Config } from "./schema.ts";

/** Where the config comes from and what resolving it needs; all passed in, nothing read globally. */
export interface LoadOptions {
  /** -c FILE, relative to cwd. */
  file?: string;
  /** tsvisor's environment: $TSVISOR_CONFIG and ${VAR} in environment values. */
  env: Record<string, string | undefined>;
  cwd: string;
  /** tsvisor's uid (process.getuid()). */
  uid: number;
  /** Tests replace the system-wide path, which may exist on the machine running them. */
  systemFile?: string;
  lookupUser?: ResolveContext["lookupUser"];
  probeDir?: ResolveContext["probeDir"];
}

// The system-wide config, last in the lookup order (DESIGN "Contracts").
export const SYSTEM_CONFIG = "/etc/tsvisor/tsvisor.toml";

// Find, read, merge and resolve the config; throws ConfigError (CONFIG_INVALID) or CONFIG_NOT_FOUND.
export function loadConfig(options: LoadOptions): Config {
  const file = findConfigFile(options);
  const display = (f: string) => displayPath(f, options.cwd);
  if (isSupervisordConf(file)) return loadSupervisordConf(file, options, display);
  const read = readConfigFiles(file, display);
  // a file that failed to parse would make the rest report things missing that are only unread
  if (read.diagnostics.length > 0) throw new ConfigError(read.diagnostics, read.sources, options.cwd);
  const merged = mergeConfigFiles(read.files, read.sources, display);
  const resolved = resolveConfig(merged.raw, options);
  const diagnostics = [...merged.diagnostics, ...resolved.diagnostics];
  const omitted = merged.omitted + resolved.omitted;
  if (diagnostics.length > 0) throw new ConfigError(diagnostics, read.sources, options.cwd, omitted);
  return resolved.config;
}

// supervisord's format by the name supervisord gives its file: supervisord.conf, conf.d/*.conf, *.ini.
export function isSupervisordConf(file: string): boolean {
  return /\.(conf|ini)$/i.test(file);
}

// A supervisord.conf: translated to the raw tables (ini/translate.ts), then resolved as TOML's are.
// Its warnings (keys tsvisor does not carry out) become notes: `run` logs them, `config check` prints them.
function loadSupervisordConf(file: string, options: LoadOptions, display: (f: string) => string): Config {
  const translated = translateIni(file, { env: options.env, hostname: hostname(), display });
  if (translated.errors.length > 0) throw new ConfigError(translated.errors, translated.raw.sources, options.cwd, translated.omitted);
  const resolved = resolveConfig(translated.raw, options);
  if (resolved.diagnostics.length > 0) throw new ConfigError(resolved.diagnostics, translated.raw.sources, options.cwd, resolved.omitted);
  resolved.config.notes.push(...translated.warnings.map((w) => noteOf(w, display)));
  return resolved.config;
}

// Lookup order: -c FILE, $TSVISOR_CONFIG, ./tsvisor.toml, /etc/tsvisor/tsvisor.toml. A file named
// explicitly (-c or the variable) must exist: falling back past it would run some other config.
// ./tsvisor.toml is only taken when someone trusted put it there (see trustedLocalConfig()).
export function findConfigFile(options: Pick<LoadOptions, "file" | "env" | "cwd" | "systemFile" | "uid">): string {
  if (options.file !== undefined) {
    return explicit(resolve(options.cwd, options.file), "-c", "check the path given with -c");
  }
  const fromEnv = options.env.TSVISOR_CONFIG;
  if (fromEnv !== undefined && fromEnv !== "") {
    return explicit(resolve(options.cwd, fromEnv), "$TSVISOR_CONFIG", "fix TSVISOR_CONFIG, or unset it to use ./tsvisor.toml");
  }
  const local = resolve(options.cwd, "tsvisor.toml");
  const system = options.systemFile ?? SYSTEM_CONFIG;
  if (isFile(local)) return trustedLocalConfig(local, options.uid);
  if (isFile(system)) return system;
  throw new TsvisorError(
    "CONFIG_NOT_FOUND",
    `no config file found; tried $TSVISOR_CONFIG (not set), ${local}, ${system}`,
    "write tsvisor.toml in the current directory, pass -c FILE, or set TSVISOR_CONFIG",
  );
}

// The working directory is not trusted (docs/security.md): `tsvisor check` runs as root from a
// HEALTHCHECK in a WORKDIR the app's user often owns, and a tsvisor.toml planted there would decide
// which socket root talks to, or which programs root runs. Like git's safe.directory, a config found
// there counts only when its owner is the caller or root, it is no link and no one else may write it,
// and no one else may write the directory either (or they could swap it after this check). Named with
// -c, it is read whoever owns it: the caller chose it.
function trustedLocalConfig(file: string, uid: number): string {
  const dir = dirname(file);
  const [fileStat, dirStat] = [lstatSync(file), statSync(dir)];
  const trusted = (s: Stats) => s.uid === uid || s.uid === 0;
  const othersMayWrite = (s: Stats) => (s.mode & 0o022) !== 0;
  const problem = fileStat.isSymbolicLink() ? "it is a symbolic link"
    : !trusted(fileStat) ? `it is owned by uid ${fileStat.uid}, not by you (uid ${uid}) or root`
    : othersMayWrite(fileStat) ? `others may write it (mode ${(fileStat.mode & 0o777).toString(8).padStart(4, "0")})`
    : !trusted(dirStat) ? `its directory is owned by uid ${dirStat.uid}, not by you (uid ${uid}) or root`
    : othersMayWrite(dirStat) ? `others may write its directory (mode ${(dirStat.mode & 0o7777).toString(8).padStart(4, "0")})`
    : null;
  if (problem === null) return file;
  throw new TsvisorError(
    "CONFIG_UNTRUSTED",
    `not reading ${file} found in the working directory: ${problem}, so someone else could have put it there`,
    `pass -c ${file} to read it anyway, run from another directory, or pass --socket PATH (client commands)`,
  );
}

function explicit(file: string, source: string, hint: string): string {
  if (isFile(file)) return file;
  const reason = existsSync(file) ? "is not a file" : "not found";
  throw new TsvisorError("CONFIG_NOT_FOUND", `config file ${file} ${reason} (from ${source})`, hint);
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
