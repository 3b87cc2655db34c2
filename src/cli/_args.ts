import type { ArgsDef } from "citty";

/** `-c FILE`: the config file, for every command that reads one. */
export const configArgs = {
  config: {
    type: "string",
    alias: "c",
    description: "config file (default: $TSVISOR_CONFIG, ./tsvisor.toml, /etc/tsvisor/tsvisor.toml)",
    valueHint: "FILE",
  },
} as const satisfies ArgsDef;
