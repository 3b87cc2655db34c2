import { defineCommand } from "citty";
import { version } from "../../package.json";

// Commands load lazily so that a one-shot client command does not pay for the daemon's modules.
export const root = defineCommand({
  meta: { name: "tsvisor", version, description: "Process supervisor and container init; as an init for one command: tsvisor [-g] -- CMD [ARGS...]" },
  subCommands: {
    run: () => import("./run.ts").then((m) => m.default),
    status: () => import("./status.ts").then((m) => m.default),
    start: () => import("./start.ts").then((m) => m.default),
    stop: () => import("./stop.ts").then((m) => m.default),
    restart: () => import("./restart.ts").then((m) => m.default),
    signal: () => import("./signal.ts").then((m) => m.default),
    reload: () => import("./reload.ts").then((m) => m.default),
    shutdown: () => import("./shutdown.ts").then((m) => m.default),
    check: () => import("./check.ts").then((m) => m.default),
    config: () => import("./config.ts").then((m) => m.configCommand),
    logs: () => import("./logs.ts").then((m) => m.default),
    events: () => import("./events.ts").then((m) => m.default),
    top: () => import("./top.ts").then((m) => m.default),
    version: () => import("./version.ts").then((m) => m.default),
  },
});
