// supervisord's event-listener protocol, the pure part: what is written to a listener (header line
// + payload, supervisord's process.py _eventEnvelope and events.py payload()) and what is read back
// (READY\n, then RESULT <len>\n<body>, dispatchers.py). Lengths count bytes, as supervisord's do.
import type { TsvisorEvent } from "./event.ts";

// supervisord's `server:` is its identifier (default "supervisor"); ours names us.
export const SERVER_ID = "tsvisor";

// One event as a listener reads it: the header line, then exactly len bytes of payload.
export function envelope(event: TsvisorEvent, serial: number, pool: string, poolSerial: number): Uint8Array {
  const payload = new TextEncoder().encode(payloadOf(event));
  const header = `ver:3.0 server:${SERVER_ID} serial:${serial} pool:${pool} poolserial:${poolSerial} eventname:${event.type} len:${payload.length}\n`;
  const head = new TextEncoder().encode(header);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

// events.py: "processname:web groupname:web from_state:STARTING pid:42"; the extras depend on the state.
export function payloadOf(event: TsvisorEvent): string {
  if (event.type.startsWith("SUPERVISOR_STATE_CHANGE_")) return "";
  if (event.type.startsWith("TICK_")) return `when:${Math.floor(event.time / 1000)}`;
  if (event.type.startsWith("PROCESS_GROUP_")) return `groupname:${event.group ?? ""}\n`;
  if (event.type === "REMOTE_COMMUNICATION") return `type:${event.remote_type ?? ""}\n${event.data ?? ""}`;
  const fields: [string, string | number][] = [["processname", event.program ?? ""], ["groupname", event.group ?? ""]];
  if (event.type === "PROCESS_LOG_STDOUT" || event.type === "PROCESS_LOG_STDERR") {
    fields.push(["pid", event.pid ?? 0], ["channel", event.type === "PROCESS_LOG_STDOUT" ? "stdout" : "stderr"]);
    return `${render(fields)}\n${event.data ?? ""}`;
  }
  if (event.type.startsWith("HEALTH_")) {
    fields.push(["pid", event.pid ?? 0]);
    return `${render(fields)}\n${event.reason ?? ""}`;
  }
  fields.push(["from_state", event.from_state ?? "UNKNOWN"]);
  switch (event.to_state) {
    case "STARTING":
    case "BACKOFF":
      fields.push(["tries", event.tries ?? 0]);
      break;
    case "EXITED":
      fields.push(["expected", event.expected ? 1 : 0], ["pid", event.pid ?? 0]);
      break;
    case "RUNNING":
    case "STOPPING":
    case "STOPPED":
      fields.push(["pid", event.pid ?? 0]);
      break;
    default:
  }
  return render(fields);
}

const render = (fields: [string, string | number][]) => fields.map(([k, v]) => `${k}:${v}`).join(" ");

/** What a listener said: ready for an event, or the result of the one it was sent. */
export type ListenerMessage = { type: "ready" } | { type: "result"; body: string } | { type: "garbage"; text: string };

// Bytes from the listener's stdout -> whole messages; keeps a partial one for the next chunk.
export class ListenerReader {
  private buffer = "";
  // After READY the next message is the RESULT of the event sent; after a RESULT, READY again.
  private expecting: "ready" | "result" = "ready";

  feed(text: string): ListenerMessage[] {
    this.buffer += text;
    const out: ListenerMessage[] = [];
    for (;;) {
      const nl = this.buffer.indexOf("\n");
      if (nl < 0) return out;
      const line = this.buffer.slice(0, nl);
      if (this.expecting === "ready") {
        this.buffer = this.buffer.slice(nl + 1);
        out.push(line === "READY" ? { type: "ready" } : { type: "garbage", text: line });
        if (line === "READY") this.expecting = "result";
        continue;
      }
      const match = /^RESULT (\d+)$/.exec(line);
      if (!match) {
        this.buffer = this.buffer.slice(nl + 1);
        out.push({ type: "garbage", text: line });
        continue;
      }
      const body = new TextEncoder().encode(this.buffer.slice(nl + 1));
      const len = Number(match[1]);
      if (body.length < len) return out;
      const resultText = new TextDecoder().decode(body.subarray(0, len));
      this.buffer = new TextDecoder().decode(body.subarray(len));
      this.expecting = "ready";
      out.push({ type: "result", body: resultText });
    }
  }
}
