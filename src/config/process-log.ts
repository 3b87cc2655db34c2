// Which file holds a process's output: the name a user types (`tsvisor logs web`, GET
// /api/v1/programs/web/logs) -> its log file and how many rotated copies sit beside it.
import { TsvisorError } from "../errors.ts";
import type { ProcessSpec } from "./schema.ts";
import { didYouMean } from "./suggest.ts";

/** A log file and its rotated copies (name.log.1 ... name.log.N). */
export interface LogFile {
  path: string;
  backups: number;
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
  const names = processes.map((p) => p.name);
  throw new TsvisorError("NO_SUCH_PROCESS", `no process named ${JSON.stringify(name)} in ${where}${didYouMean(name, names) || `; processes: ${names.join(" ")}`}`);
}

// The file a stream of a process is written to; NO_LOG when it keeps none.
export function logFileOf(spec: ProcessSpec, stream: "stdout" | "stderr"): LogFile {
  const p = spec.program;
  if (stream === "stderr" && p.redirect_stderr) {
    throw new TsvisorError("NO_LOG", `${spec.name} has no stderr log: redirect_stderr = true sends stderr to its stdout log`, `its stderr lines are in the stdout log: tsvisor logs ${spec.name} (stream=stdout over HTTP)`);
  }
  const path = stream === "stdout" ? spec.stdout_logfile : spec.stderr_logfile;
  if (path === null) throw new TsvisorError("NO_LOG", `${spec.name} keeps no ${stream} log (${stream}_logfile = "none")`);
  return { path, backups: stream === "stdout" ? p.stdout_logfile_backups : p.stderr_logfile_backups };
}
