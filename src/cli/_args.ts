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

/** `--socket PATH`: the control socket, for every command that talks to a running tsvisor. */
export const socketArgs = {
  socket: {
    type: "string",
    description: "control socket (default: $TSVISOR_SOCKET, else [supervisor] socket of the config, else /run/tsvisor.sock as root)",
    valueHint: "PATH",
  },
} as const satisfies ArgsDef;

/** `--json`: print the daemon's answer as JSON (docs/protocol.md describes it) instead of text. */
export const jsonArgs = {
  json: { type: "boolean", description: "print JSON instead of text" },
} as const satisfies ArgsDef;

/** `--no-wait`: for start, stop and restart. */
export const waitArgs = {
  wait: { type: "boolean", default: true, negativeDescription: "return once the request is accepted, without waiting for the result" },
} as const satisfies ArgsDef;
