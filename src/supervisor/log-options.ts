// A process's log settings as the logs module takes them: config keys -> ProcessLogsOptions.
import type { ConsolaInstance } from "consola";
import type { ProcessSpec } from "../config/schema.ts";
import type { ProcessLogsOptions } from "../logs/capture.ts";

export function logOptionsFor(spec: ProcessSpec, logger: ConsolaInstance, onLines?: ProcessLogsOptions["onLines"]): ProcessLogsOptions {
  const p = spec.program;
  return {
    ...(onLines ? { onLines } : {}),
    name: spec.name,
    stdout: spec.stdout_logfile === null ? null : { path: spec.stdout_logfile, maxBytes: p.stdout_logfile_maxbytes, backups: p.stdout_logfile_backups },
    stderr: spec.stderr_logfile === null ? null : { path: spec.stderr_logfile, maxBytes: p.stderr_logfile_maxbytes, backups: p.stderr_logfile_backups },
    redirectStderr: p.redirect_stderr,
    console: p.console,
    timestamps: p.log_timestamps,
    owner: spec.credentials,
    logger,
  };
}
