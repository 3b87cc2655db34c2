// The environment a program (and its command health probe) runs with.
import type { ProcessSpec } from "../config/schema.ts";
import { SPAWN_MARK_VARIABLE } from "./leftovers.ts";

// tsvisor's environment (with SUPERVISOR_SERVER_URL, daemon.ts), supervisord's names for the process,
// the program's own environment (which may override those, as under supervisord, whose process.py
// applies it last), then tsvisor's names for the process.
// `mark`: the spawn's own mark (leftovers.ts), which finds what a double-forked daemon left behind.
export function programEnvironment(base: Record<string, string | undefined>, spec: ProcessSpec, mark?: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(spec.program.inherit_environment ? base : ownOnly(base))) if (value !== undefined) env[key] = value;
  return {
    ...env,
    ...supervisorNames(spec.name, spec.group),
    ...spec.program.environment,
    TSVISOR_PROCESS_NAME: spec.name,
    TSVISOR_GROUP_NAME: spec.group,
    TSVISOR_PROCESS_NUM: String(spec.num),
    ...(mark === undefined ? {} : { [SPAWN_MARK_VARIABLE]: mark }),
  };
}

// What supervisord tells every child (process.py _spawn_as_child): it runs under a supervisor, and as what.
export function supervisorNames(processName: string, groupName: string): Record<string, string> {
  return { SUPERVISOR_ENABLED: "1", SUPERVISOR_PROCESS_NAME: processName, SUPERVISOR_GROUP_NAME: groupName };
}

/** PATH when tsvisor's environment has none: systemd's default for services. */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// inherit_environment = false: of tsvisor's environment only PATH (to find commands, as systemd sets it
// for every service) and SUPERVISOR_SERVER_URL (tsvisor's own, for supervisord's client libraries).
function ownOnly(base: Record<string, string | undefined>): Record<string, string> {
  const url = base.SUPERVISOR_SERVER_URL;
  return { PATH: base.PATH ?? DEFAULT_PATH, ...(url === undefined ? {} : { SUPERVISOR_SERVER_URL: url }) };
}
