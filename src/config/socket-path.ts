// Where the control socket lives, decided the same way by the daemon (`run`) and by every client
// command: --socket, then $TSVISOR_SOCKET, then [supervisor] socket, then the default for this user.
// This module stays light (the config reader is imported only when needed): with --socket or
// $TSVISOR_SOCKET, a health probe loads no TOML parser and reads no file.
import { dirname, resolve } from "node:path";
import { TsvisorError } from "../errors.ts";

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
export async function clientSocketPath(ctx: SocketContext & { file?: string | undefined; systemFile?: string }): Promise<string> {
  const override = socketOverride(ctx);
  if (override !== null) return override;
  const { findConfigFile, configuredSocket } = await import("./socket-setting.ts");
  let file: string;
  try {
    file = findConfigFile(ctx);
  } catch (error) {
    const fallback = defaultSocketPath(ctx, null);
    // no config at all: the default socket; a config refused (untrusted, unreadable) is said, not passed over
    const notFound = error instanceof TsvisorError && error.code === "CONFIG_NOT_FOUND";
    if (notFound && fallback !== null && ctx.file === undefined && !ctx.env.TSVISOR_CONFIG) return fallback;
    if (error instanceof TsvisorError && error.code === "CONFIG_UNTRUSTED") throw error;
    if (error instanceof TsvisorError) {
      throw new TsvisorError(error.code, error.message, "pass --socket PATH or set TSVISOR_SOCKET, or point -c / TSVISOR_CONFIG at the daemon's config");
    }
    throw error;
  }
  return configuredSocket(file, ctx.cwd) ?? defaultSocketPath(ctx, file)!;
}
