// Every default in one place, grouped by section; the values are supervisord's so its users meet no surprise.
import type { ProgramConfig, SupervisorConfig } from "./schema.ts";

// Defaults for keys a config file leaves out. Two depend on other keys; resolve.ts applies them:
// - killasgroup defaults to the value of stopasgroup (supervisord: stopasgroup implies killasgroup,
//   and stopasgroup = true with killasgroup = false is an error);
// - process_name defaults to "{name}" with numprocs = 1 and to PROCESS_NAME_NUMBERED with numprocs > 1.
export const DEFAULTS: {
  readonly supervisor: Readonly<SupervisorConfig>;
  readonly program: Readonly<Omit<ProgramConfig, "command">>;
} = {
  supervisor: {
    socket: null,
    log_dir: null,
    forward_signals: [],
  },
  program: {
    directory: null,
    environment: {},
    user: null,
    umask: null,
    autostart: true,
    autorestart: "unexpected",
    exitcodes: [0],
    startsecs: 1,
    startretries: 3,
    stopsignal: "TERM",
    stopwaitsecs: 10,
    stopasgroup: false,
    killasgroup: false,
    priority: 999,
    numprocs: 1,
    numprocs_start: 0,
    process_name: "{name}",
    max_runtime: null,
    critical: false,
  },
};

// process_name when numprocs > 1 and none is given. supervisord rejects numprocs > 1 without
// %(process_num) in process_name; naming the instances web-0, web-1, ... is what users write anyway.
export const PROCESS_NAME_NUMBERED = "{name}-{num}";
