// Where the logs `tsvisor logs` is asked for are kept. The running daemon knows the files it writes,
// whatever config it was started with (`run -c /app/x.toml`, which an ops shell does not know), and
// after any reload: it is asked first, through the socket `status` would use. When none answers,
// the config says where the files are, so the logs can be read with tsvisor stopped.
import { closeSync } from "node:fs";
import { loadConfig } from "../config/load.ts";
import { logFilesOf, noSuchProcess, type ProcessLogFiles } from "../config/process-log.ts";
import { cannotConnect, sendRequest } from "../control/client.ts";
import { TsvisorError } from "../errors.ts";
import { connectToPeer } from "../os/unix-peer.ts";
import { resolveNames } from "../supervisor/operator.ts";
import { findSocket, type TargetArgs } from "./_request.ts";

// How long a daemon that does not answer holds `tsvisor logs` up before the config is read instead.
const ASK_TIMEOUT_MS = 5_000;

/** The log files of the processes `names` select (as `status` takes them), in config order. */
export async function findLogFiles(args: TargetArgs, names: readonly string[]): Promise<ProcessLogFiles[]> {
  const asked = await askDaemon(args, names);
  if (Array.isArray(asked)) return asked;
  let config;
  try {
    config = loadConfig({ ...(args.config === undefined ? {} : { file: args.config }), env: process.env, cwd: process.cwd(), uid: process.getuid?.() ?? 0 });
  } catch (error) {
    if (error instanceof TsvisorError && error.code === "CONFIG_NOT_FOUND") {
      throw new TsvisorError(error.code, error.message, `${asked}, which would have said where its logs are; pass --socket PATH (or set TSVISOR_SOCKET) for a running tsvisor, or -c FILE for its config`);
    }
    throw error;
  }
  const resolved = resolveNames(names, config.processes);
  if (!resolved.ok) throw noSuchProcess(resolved.name, config.processes.map((p) => p.name), config.file);
  const chosen = new Set(resolved.names);
  return config.processes.filter((p) => chosen.has(p.name)).map(logFilesOf);
}

// The daemon's answer, or why there is none ("no tsvisor answered at /run/tsvisor.sock (…)"). A name
// it does not know is an error here: the daemon's list of processes is the one that counts. Its word
// is taken only from a process of root or of the caller's own user (the kernel says who listens, on
// the connection the request goes over): the files it names are read with the caller's rights, and a
// socket path others can write may have been bound by any user first (docs/security.md).
async function askDaemon(args: TargetArgs, names: readonly string[]): Promise<ProcessLogFiles[] | string> {
  let socket: string;
  try {
    socket = await findSocket(args);
  } catch (error) {
    if (error instanceof TsvisorError) return "no tsvisor socket is known";
    throw error;
  }
  let reply;
  try {
    const { fd, peer } = connectOrSay(socket);
    const me = process.geteuid?.() ?? 0;
    if (peer.uid !== 0 && peer.uid !== me) {
      closeSync(fd);
      throw new TsvisorError("UNTRUSTED_DAEMON",
        `the process listening at ${socket} (pid ${peer.pid}) runs as uid ${peer.uid}, neither root nor you (uid ${me}): tsvisor logs does not read the files another user's daemon names (it could name any file you can read)`,
        `if that is the tsvisor you meant, run tsvisor logs as uid ${peer.uid}; if not, something else took its socket path: give the socket a directory only its owner can write ([supervisor] socket)`);
    }
    reply = await sendRequest(socket, { op: "log_files", names: [...names] }, { timeoutMs: ASK_TIMEOUT_MS, fd });
  } catch (error) {
    if (error instanceof TsvisorError && error.code === "UNTRUSTED_DAEMON") throw error;
    if (!(error instanceof TsvisorError)) throw error;
    return `no tsvisor answered at ${socket} (${error.code === "UNREACHABLE" ? error.message.slice(error.message.indexOf(": ") + 2) : error.message})`;
  }
  if (reply.ok) return reply.result.processes;
  if (reply.error.code === "NO_SUCH_PROCESS" || reply.error.code === "NO_SUCH_GROUP") {
    throw new TsvisorError("NO_SUCH_PROCESS", `no process named ${JSON.stringify(reply.error.name)} in the running tsvisor (at ${socket})`, "tsvisor status lists them");
  }
  return `the tsvisor at ${socket} did not say where its logs are (${reply.error.code})`; // one older than log_files: UNKNOWN_OP
}

// A connection to `socket` and who listens there; a failure to connect as sendRequest words it.
function connectOrSay(socket: string): ReturnType<typeof connectToPeer> {
  try {
    return connectToPeer(socket);
  } catch (error) {
    throw cannotConnect(socket, error as NodeJS.ErrnoException);
  }
}
