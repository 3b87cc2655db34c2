// Where the control socket lives, decided the same way by the daemon (`run`) and by every client
// command: --socket, then $TSVISOR_SOCKET, then [supervisor] socket, then the default for this user.
import { dirname, resolve } from "node:path";
import { TsvisorError } from "../errors.ts";
import { ConfigError, displayPath } from "./diagnostic.ts";
import { readConfigFiles } from "./include.ts";
import { findConfigFile, type LoadOptions } from "./load.ts";
import { locateKey } from "./locate.ts";
import { mergeConfigFiles } from "./merge.ts";
import { ValueError } from "./value-error.ts";
import { text } from "./values.ts";

/** The system-wide default, for tsvisor run as root (supervisord's is /var/run/supervisor.sock). */
export const ROOT_SOCKET = "/run/tsvisor.sock";
const SOCKET_NAME = "tsvisor.sock";

export interface SocketContext {
  /** --socket PATH, when given. */
  flag?: string | undefined;
  env: Record<string, string | undefined>;
  cwd: string;
  uid: number;
}

// /run/tsvisor.sock as root; else $XDG_RUNTIME_DIR/tsvisor.sock (a per-user directory only that user
// can enter); else beside the config file. null when it can only come from a config file that is unknown.
export function defaultSocketPath(ctx: Pick<SocketContext, "env" | "uid">, configFile: string | null): string | null {
  if (ctx.uid === 0) return ROOT_SOCKET;
  const runtimeDir = ctx.env.XDG_RUNTIME_DIR;
  if (runtimeDir) return resolve(runtimeDir, SOCKET_NAME);
  return configFile === null ? null : resolve(dirname(configFile), SOCKET_NAME);
}

// The flag or the variable, when either is set: they win over any config, which then need not be read.
export function socketOverride(ctx: SocketContext): string | null {
  if (ctx.flag) return resolve(ctx.cwd, ctx.flag);
  if (ctx.env.TSVISOR_SOCKET) return resolve(ctx.cwd, ctx.env.TSVISOR_SOCKET);
  return null;
}

// The daemon's socket: override, [supervisor] socket of the loaded config, default.
export function daemonSocketPath(ctx: SocketContext, config: { file: string; supervisor: { socket: string | null } }): string {
  return socketOverride(ctx) ?? config.supervisor.socket ?? defaultSocketPath(ctx, config.file)!;
}

// A client's socket. Reads as little of the config as it can: only the files and [supervisor]
// socket, so a client works where the programs' settings would not resolve (another user, a
// variable the daemon's environment has and the shell lacks). With no config file at all, the
// default for this user still works when it does not depend on the config's directory.
export function clientSocketPath(ctx: SocketContext & Pick<LoadOptions, "file" | "systemFile">): string {
  const override = socketOverride(ctx);
  if (override !== null) return override;
  let file: string;
  try {
    file = findConfigFile(ctx);
  } catch (error) {
    const fallback = defaultSocketPath(ctx, null);
    if (fallback !== null && ctx.file === undefined && !ctx.env.TSVISOR_CONFIG) return fallback;
    if (error instanceof TsvisorError) {
      throw new TsvisorError(error.code, error.message, "pass --socket PATH or set TSVISOR_SOCKET, or point -c / TSVISOR_CONFIG at the daemon's config");
    }
    throw error;
  }
  return configuredSocket(file, ctx.cwd) ?? defaultSocketPath(ctx, file)!;
}

// [supervisor] socket of the config in `file` and its includes, resolved against the file that sets it.
function configuredSocket(file: string, cwd: string): string | null {
  const display = (f: string) => displayPath(f, cwd);
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
