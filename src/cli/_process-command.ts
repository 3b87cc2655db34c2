// start, stop and restart differ only in their verb: NAME... | GROUP:* | all, --no-wait, --json.
import { defineCommand } from "citty";
import { configArgs, jsonArgs, socketArgs, waitArgs } from "./_args.ts";
import { refused, reportOutcomes, request } from "./_request.ts";

const NAMES = { type: "positional", required: true, valueHint: "NAME|GROUP:*|all", description: "processes: a name, GROUP:* for a program's instances, or all" } as const;

export function processCommand(verb: "start" | "stop" | "restart", description: string) {
  return defineCommand({
    meta: { name: verb, description },
    args: { names: NAMES, ...waitArgs, ...jsonArgs, ...socketArgs, ...configArgs },
    async run({ args }) {
      const reply = await request(args, { op: verb, names: args._, wait: args.wait });
      if (!reply.ok) return refused(reply.error);
      reportOutcomes(reply.result.outcomes, verb, args.wait, Boolean(args.json));
    },
  });
}
