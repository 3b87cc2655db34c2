import { defineCommand } from "citty";
import { version } from "../../package.json";

// Commands load lazily so that a one-shot client command does not pay for the daemon's modules.
export const root = defineCommand({
  meta: { name: "tsvisor", version, description: "Process supervisor and container init; as an init for one command: tsvisor [-g] -- CMD [ARGS...]" },
  subCommands: {
    run: () => import("./run.ts").then((m) => m.default),
    config: () => import("./config.ts").then((m) => m.configCommand),
    version: () => import("./version.ts").then((m) => m.default),
  },
});
