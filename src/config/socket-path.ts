// Where the control socket lives, decided the same way by the daemon (`run`) and by every client
// command: --socket, then $TSVISOR_SOCKET, then [supervisor] socket, then the default for this user.
// The default is a list of places (defaultSocketCandidates): the daemon binds the first it can
// write, a client uses the first that holds a socket, so a daemon that could not use /run or the
// config's directory (a container run as a user other than root, a read-only root file system) is
// still found by `tsvisor status` run as the same user.
// This module stays light (the config reader is imported only when needed): with --socket or
// $TSVISOR_SOCKET, a health probe loads no TOML parser and reads no file (nor node:fs, ~0.5 MiB of its
// peak RSS: docs/performance.md).
import { dirname, join, resolve } from "node:path";
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

/** One place the default socket may be; `privateDir`: a directory of tsvisor's own it sits in (made by the daemon). */
export interface SocketCandidate {
  path: string;
  privateDir: string | null;
}

// The default's places, in order: /run/tsvisor.sock as root; else $XDG_RUNTIME_DIR/tsvisor.sock (a
// per-user directory only that user can enter), else beside the config file; then, for anyone, a
// private directory under /tmp and one under /dev/shm. Without a config file the place beside it is left out.
export function defaultSocketCandidates(ctx: Pick<SocketContext, "env" | "uid">, configFile: string | null): SocketCandidate[] {
  const usual: string[] = [];
  if (ctx.uid === 0) usual.push(ROOT_SOCKET);
  else if (ctx.env.XDG_RUNTIME_DIR) usual.push(resolve(ctx.env.XDG_RUNTIME_DIR, SOCKET_NAME));
  else if (configFile !== null) usual.push(resolve(dirname(configFile), SOCKET_NAME));
  return [
    ...usual.map((path) => ({ path, privateDir: null })),
    ...privateTempDirs(ctx.uid).map((dir) => ({ path: join(dir, SOCKET_NAME), privateDir: dir })),
  ];
}

/**
 * The directories of tsvisor's own that user `uid` falls back to for the socket (both) and the logs
 * (the first): under /tmp, then under /dev/shm, which Docker mounts writable even with --read-only.
 * os/private-dir.ts says whether one may be used.
 */
export function privateTempDirs(uid: number): string[] {
  return [`/tmp/tsvisor-${uid}`, `/dev/shm/tsvisor-${uid}`];
}

// The flag or the variable, when either is set: they win over any config, which then need not be read.
export function socketOverride(ctx: SocketContext): string | null {
  if (ctx.flag) return resolve(ctx.cwd, ctx.flag);
  if (ctx.env.TSVISOR_SOCKET) return resolve(ctx.cwd, ctx.env.TSVISOR_SOCKET);
  return null;
}

// The daemon's socket: override, [supervisor] socket of the loaded config, else the first default
// place it can bind in (a private directory is made then). Throws SOCKET_UNAVAILABLE naming every
// place tried and why it failed.
export async function daemonSocketPath(ctx: SocketContext, config: { file: string; supervisor: { socket: string | null } }): Promise<string> {
  const chosen = socketOverride(ctx) ?? config.supervisor.socket;
  if (chosen !== null) return chosen;
  const { privateDirProblem, writableDirProblem } = await import("../os/private-dir.ts");
  const tried: string[] = [];
  for (const candidate of defaultSocketCandidates(ctx, config.file)) {
    const problem = candidate.privateDir === null
      ? writableDirProblem(dirname(candidate.path))
      : privateDirProblem(candidate.privateDir, { create: true, uid: ctx.uid });
    if (problem === null) return candidate.path;
    tried.push(`${candidate.path}: ${candidate.privateDir ?? dirname(candidate.path)} ${problem}`);
  }
  throw new TsvisorError(
    "SOCKET_UNAVAILABLE",
    `no place to make the control socket in; tried:\n  ${tried.join("\n  ")}`,
    "name a writable place with [supervisor] socket, --socket or TSVISOR_SOCKET, or give the container a writable /tmp (docker run --tmpfs /tmp)",
  );
}

// A client's socket. Reads as little of the config as it can: only the files and [supervisor]
// socket, so a client works where the programs' settings would not resolve (another user, a
// variable the daemon's environment has and the shell lacks). Of the default's places, the first
// that holds a socket (in a private directory only when that directory is this user's, as the
// daemon made it); none: the first place, whose error then says "no such socket". With no config
// file at all, the places that do not depend on it are looked at; none holding a socket, root's
// /run/tsvisor.sock (or $XDG_RUNTIME_DIR's) is the answer, else the config's absence is the error.
export async function clientSocketPath(ctx: SocketContext & { file?: string | undefined; systemFile?: string }): Promise<string> {
  const override = socketOverride(ctx);
  if (override !== null) return override;
  const { findConfigFile, configuredSocket } = await import("./socket-setting.ts");
  let file: string;
  try {
    file = findConfigFile(ctx);
  } catch (error) {
    // a config refused (untrusted) is said, not passed over
    if (error instanceof TsvisorError && error.code === "CONFIG_UNTRUSTED") throw error;
    if (ctx.file === undefined && !ctx.env.TSVISOR_CONFIG) {
      const candidates = defaultSocketCandidates(ctx, null);
      const found = await existingSocket(candidates, ctx.uid);
      if (found !== null) return found;
      // root's /run/tsvisor.sock, $XDG_RUNTIME_DIR/tsvisor.sock: "no such socket" there says more than a missing config
      if (candidates[0]!.privateDir === null) return candidates[0]!.path;
    }
    if (error instanceof TsvisorError) {
      throw new TsvisorError(error.code, error.message, "pass --socket PATH or set TSVISOR_SOCKET, or point -c / TSVISOR_CONFIG at the daemon's config");
    }
    throw error;
  }
  const candidates = defaultSocketCandidates(ctx, file);
  return configuredSocket(file, ctx.cwd) ?? (await existingSocket(candidates, ctx.uid)) ?? candidates[0]!.path;
}

// The first candidate where a socket is, and may be trusted to be the daemon's.
async function existingSocket(candidates: readonly SocketCandidate[], uid: number): Promise<string | null> {
  const { privateDirProblem } = await import("../os/private-dir.ts");
  const { lstatSync } = await import("node:fs");
  for (const { path, privateDir } of candidates) {
    if (privateDir !== null && privateDirProblem(privateDir, { create: false, uid }) !== null) continue;
    try {
      if (lstatSync(path).isSocket()) return path;
    } catch {
      // nothing there
    }
  }
  return null;
}
