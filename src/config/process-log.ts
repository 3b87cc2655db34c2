// Which file holds a process's output: the name a user types (`tsvisor logs web`, GET
// /api/v1/programs/web/logs) -> its log file and how many rotated copies sit beside it. The same
// shape travels in the control protocol's `log_files` reply, so `tsvisor logs` reads the files the
// running daemon writes, whatever config file it was started with.
import { TsvisorError } from "../errors.ts";
import type { ProcessSpec } from "./schema.ts";
import { didYouMean } from "./suggest.ts";

/** A log file and its rotated copies (name.log.1 ... name.log.N). */
export interface LogFile {
  path: string;
  backups: number;
}

/** Where a process's output is kept (control/protocol.ts's ProcessLogFiles has the same shape). */
export interface ProcessLogFiles {
  name: string;
  group: string;
  /** null: stdout_logfile = "none". */
  stdout: LogFile | null;
  /** null: stderr_logfile = "none", or redirect_stderr. */
  stderr: LogFile | null;
  redirect_stderr: boolean;
  /** Lines in the files begin with a timestamp (log_timestamps). */
  timestamps: boolean;
}

// A process by its name (or supervisorctl's GROUP:NAME), or a program or group with a single process
// by its name; `where` names the source of the list in the message (the config file, "the running tsvisor").
export function findProcess(processes: readonly ProcessSpec[], name: string, where: string): ProcessSpec {
  const exact = processes.find((p) => p.name === name || `${p.group}:${p.name}` === name);
  if (exact) return exact;
  const ofProgram = processes.filter((p) => p.programName === name);
  const instances = ofProgram.length > 0 ? ofProgram : processes.filter((p) => p.group === name);
  if (instances.length === 1) return instances[0]!;
  if (instances.length > 1) {
    throw new TsvisorError("NO_SUCH_PROCESS", `${name} has ${instances.length} processes: ${instances.map((p) => p.name).join(" ")}`, "name one of them");
  }
  throw noSuchProcess(name, processes.map((p) => p.name), where);
}

// "no process named "wbe" in tsvisor.toml (did you mean "web"?)".
export function noSuchProcess(name: string, names: readonly string[], where: string): TsvisorError {
  return new TsvisorError("NO_SUCH_PROCESS", `no process named ${JSON.stringify(name)} in ${where}${didYouMean(name, names) || `; processes: ${names.join(" ")}`}`);
}

// The log files of a process as configured.
export function logFilesOf(spec: ProcessSpec): ProcessLogFiles {
  const p = spec.program;
  return {
    name: spec.name,
    group: spec.group,
    stdout: spec.stdout_logfile === null ? null : { path: spec.stdout_logfile, backups: p.stdout_logfile_backups },
    stderr: p.redirect_stderr || spec.stderr_logfile === null ? null : { path: spec.stderr_logfile, backups: p.stderr_logfile_backups },
    redirect_stderr: p.redirect_stderr,
    timestamps: p.log_timestamps,
  };
}

// The file a stream of a process is written to; NO_LOG when it keeps none.
export function logFileOf(files: ProcessLogFiles, stream: "stdout" | "stderr"): LogFile {
  if (stream === "stderr" && files.redirect_stderr) {
    throw new TsvisorError("NO_LOG", `${files.name} has no stderr log: redirect_stderr = true sends stderr to its stdout log`, `its stderr lines are in the stdout log: tsvisor logs ${files.name} (stream=stdout over HTTP)`);
  }
  const file = files[stream];
  if (file === null) throw new TsvisorError("NO_LOG", `${files.name} keeps no ${stream} log (${stream}_logfile = "none")`);
  return file;
}
