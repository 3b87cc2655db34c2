import { defineCommand } from "citty";
import { EXIT } from "./_exit.ts";
import { configArgs, jsonArgs, socketArgs } from "./_args.ts";
import { renderOffender } from "./_render.ts";
import { refused, request } from "./_request.ts";
import { print } from "./_stdout.ts";

// `tsvisor check [NAME...]`: the health probe (Docker HEALTHCHECK, Kubernetes exec probes). Exit 0
// when every process that should run is RUNNING (with names: when each one named is RUNNING and
// healthy, whoever stopped it), 1 with one line per offender, 2 when tsvisor cannot be reached.
// Runs every few seconds, so it does one request and nothing else.
export default defineCommand({
  meta: { name: "check", description: "Exit 0 if every process that should be running is RUNNING (each one named: RUNNING and healthy), else 1" },
  args: { names: { type: "positional", required: false, valueHint: "NAME|GROUP:*", description: "processes (default: all)" }, ...jsonArgs, ...socketArgs, ...configArgs },
  async run({ args }) {
    const reply = await request(args, args._.length > 0 ? { op: "check", names: args._ } : { op: "check" }, { timeoutMs: 10_000 });
    if (!reply.ok) return refused(reply.error);
    const { healthy, checked, offenders } = reply.result;
    if (args.json) await print(`${JSON.stringify(reply.result)}\n`);
    else if (healthy && args._.length > 0) await print(`ok: every process named is RUNNING and ready (${checked} checked)\n`);
    else if (healthy) await print(`ok: every process that should run is RUNNING (${checked} checked)\n`);
    else await print(offenders.map((o) => `${renderOffender(o)}\n`).join(""));
    process.exitCode = healthy ? EXIT.OK : EXIT.NOT_OK;
  },
});
