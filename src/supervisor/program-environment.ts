// The environment a program (and its command health probe) runs with.
import type { ProcessSpec } from "../config/schema.ts";

// tsvisor's environment, then the program's own, then the names that tell a program who it is
// (supervisord sets SUPERVISOR_PROCESS_NAME and SUPERVISOR_GROUP_NAME the same way).
export function programEnvironment(base: Record<string, string | undefined>, spec: ProcessSpec): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) if (value !== undefined) env[key] = value;
  return {
    ...env,
    ...spec.program.environment,
    TSVISOR_PROCESS_NAME: spec.name,
    TSVISOR_GROUP_NAME: spec.group,
    TSVISOR_PROCESS_NUM: String(spec.num),
  };
}
