import { defineCommand } from "citty";
import { configArgs, jsonArgs, socketArgs } from "./_args.ts";
import { refused, reportOutcomes, request } from "./_request.ts";

// `tsvisor signal SIG NAME...`: send a signal to the processes (their pid, not their group), as supervisorctl signal.
export default defineCommand({
  meta: { name: "signal", description: "Send a signal to running processes" },
  args: {
    signal: { type: "positional", required: true, valueHint: "SIG", description: "signal name: HUP, USR1, TERM, ... (SIG prefix optional)" },
    names: { type: "positional", required: true, valueHint: "NAME|GROUP:*|all", description: "processes" },
    ...jsonArgs, ...socketArgs, ...configArgs,
  },
  async run({ args }) {
    const reply = await request(args, { op: "signal", signal: args.signal, names: args._.slice(1) });
    if (!reply.ok) return refused(reply.error);
    reportOutcomes(reply.result.outcomes, "signal", true, Boolean(args.json));
  },
});
