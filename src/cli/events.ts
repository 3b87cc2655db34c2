// `tsvisor events [-f] [--json] [--type T]... [NAME...]`: the daemon's recent events, and with -f
// every new one as it happens (until Ctrl-C or the daemon exits: 0; or the daemon drops a follower
// that fell too far behind: 1, with why on stderr).
import { defineCommand } from "citty";
import type { ErrorBody, EventRecord } from "../control/protocol.ts";
import { TsvisorError } from "../errors.ts";
import { configArgs, jsonArgs, socketArgs } from "./_args.ts";
import { EXIT, failAfterOutput } from "./_exit.ts";
import { describeError } from "./_render.ts";
import { refused, request } from "./_request.ts";

export default defineCommand({
  meta: { name: "events", description: "Show recent events (state changes of processes and of tsvisor); -f follows new ones" },
  args: {
    names: { type: "positional", required: false, valueHint: "NAME", description: "processes or programs (default: all, and tsvisor's own events)" },
    follow: { type: "boolean", alias: "f", description: "keep printing new events as they happen" },
    type: { type: "string", alias: "t", description: "only events of this type or class, e.g. PROCESS_STATE_FATAL or PROCESS_STATE (comma-separated for several)", valueHint: "TYPE" },
    ...jsonArgs, ...socketArgs, ...configArgs,
  },
  async run({ args }) {
    const print = (event: EventRecord) => process.stdout.write(args.json ? `${JSON.stringify(event)}\n` : `${renderEvent(event)}\n`);
    let closed: (ended: ErrorBody | null) => void = () => {};
    const done = new Promise<ErrorBody | null>((resolve) => (closed = resolve));
    const reply = await request(args, {
      op: "events",
      ...(args._.length > 0 ? { names: args._ } : {}),
      ...(args.type ? { types: args.type.split(",").map((t) => t.trim()).filter(Boolean) } : {}),
      ...(args.follow ? { follow: true } : {}),
    }, args.follow ? { stream: { onEvent: (line) => print(line.event), onClose: closed } } : { timeoutMs: 10_000 });
    if (!reply.ok) return refused(reply.error);
    for (const event of reply.result.events) print(event);
    if (!args.follow) return;
    const ended = await done;
    if (ended !== null) failAfterOutput(streamEnded(ended), EXIT.NOT_OK);
  },
});

// The daemon ended the stream (it exiting ends it with no word): what happened, what was lost, what to do.
function streamEnded(error: ErrorBody): TsvisorError {
  if (error.code !== "FELL_BEHIND") return new TsvisorError(error.code, `events -f: tsvisor ended the stream: ${describeError(error)}`);
  return new TsvisorError(error.code, `events -f: tsvisor stopped sending events to this follower: it ${describeError(error)}; events after the last one printed were missed`,
    "read the output faster (what it is piped into may be slow), or follow fewer events with --type or NAMEs (PROCESS_LOG events are the bulk)");
}

// "2026-11-24T03:52:16.123Z PROCESS_STATE_EXITED web RUNNING -> EXITED pid 42: exit status 1; not expected"
export function renderEvent(e: EventRecord): string {
  const parts = [new Date(e.time).toISOString(), e.type];
  if (e.program !== null) parts.push(e.program);
  if (e.from_state !== null && e.to_state !== null && e.from_state !== e.to_state) parts.push(`${e.from_state} -> ${e.to_state}`);
  if (e.pid !== null) parts.push(`pid ${e.pid}`);
  const line = parts.join(" ");
  if (e.data !== undefined) return `${line}: ${e.data.trimEnd()}`; // PROCESS_LOG_*: the lines written
  return e.reason ? `${line}: ${e.reason}` : line;
}
