// Run one probe and say whether it passed: an HTTP GET answered 2xx/3xx, a TCP connect accepted, or
// a command that exited 0 (run as the program runs: its user, directory and environment). Every
// probe ends by `timeoutMs`; a probe never throws.
import type { HealthProbe } from "../config/schema.ts";
import { sendSignal } from "../os/kill.ts";
import { abortSignalAfter, setLongTimeout, type LongTimer } from "../os/long-timer.ts";
import { spawnChild } from "../os/spawn.ts";
import type { ProbeResult } from "./health-state.ts";

/** How a command probe runs: as the program does. */
export interface ProbeContext {
  cwd: string | null;
  env: Record<string, string>;
  credentials: { uid: number; gid: number; groups?: readonly number[] } | null;
}

// `context` is asked for only by a command probe (building an environment is not free, and runs often).
export function runProbe(probe: HealthProbe, timeoutMs: number, context: () => ProbeContext): Promise<ProbeResult> {
  switch (probe.type) {
    case "http": return probeHttp(probe.url, timeoutMs);
    case "tcp": return probeTcp(probe.host, probe.port, timeoutMs);
    case "command": return probeCommand(probe.argv, timeoutMs, context());
    default: return probe satisfies never;
  }
}

const timedOut = (ms: number): ProbeResult => ({ ok: false, error: `timed out after ${ms / 1000}s` });

async function probeHttp(url: string, timeoutMs: number): Promise<ProbeResult> {
  try {
    // redirect "manual": a 3xx counts as healthy (Kubernetes' httpGet), without following it anywhere
    const response = await fetch(url, { signal: abortSignalAfter(timeoutMs), redirect: "manual", headers: { "user-agent": "tsvisor-healthcheck" } });
    await drain(response.body);
    return response.status >= 200 && response.status < 400 ? { ok: true } : { ok: false, error: `HTTP ${response.status}` };
  } catch (error) {
    if ((error as Error).name === "TimeoutError") return timedOut(timeoutMs);
    return { ok: false, error: describeError(error) };
  }
}

// How much of an answer's body a probe reads. Health answers are small (Kubernetes' prober reads at
// most 10 KiB of one), so a body up to this size is still read to its end and the connection closed
// cleanly; past it the probe stops: a program that streams a body forever would otherwise keep
// tsvisor reading at wire speed for the probe's whole timeout (~85 % of a core, red team). One read
// gives what the socket holds (up to 256 KiB here), so a probe reads at most that much more.
const MAX_BODY_BYTES = 64 * 1024;

// Read a health answer to its end or to MAX_BODY_BYTES, whichever comes first (within the probe's
// timeout, which covers the body too; each chunk is dropped as it comes). Cancelling it unread reset
// the connection while the server was still writing, and some servers log an error for every such
// probe (Python's http.server: a ConnectionResetError traceback each time), as curl or Kubernetes'
// prober would not make them. Past the bound the probe cancels (the server sees a reset, as from
// Kubernetes' prober) and is judged by its status alone.
async function drain(body: ReadableStream<Uint8Array> | null): Promise<void> {
  if (body === null) return;
  const reader = body.getReader();
  for (let read = 0; read <= MAX_BODY_BYTES;) {
    const chunk = await reader.read();
    if (chunk.done) return;
    read += chunk.value.byteLength;
  }
  await reader.cancel();
}

function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: ProbeResult, socket?: { end(): void }) => {
      socket?.end();
      if (settled) return;
      settled = true;
      timer.cancel();
      resolve(result);
    };
    const timer = setLongTimeout(() => settle(timedOut(timeoutMs)), timeoutMs);
    Bun.connect({
      hostname: host, port,
      socket: { open: (s) => settle({ ok: true }, s), data() {}, error: (_s, e) => settle({ ok: false, error: describeError(e) }), connectError: (_s, e) => settle({ ok: false, error: describeError(e) }) },
    }).catch((e: unknown) => settle({ ok: false, error: describeError(e) }));
  });
}

function probeCommand(argv: string[], timeoutMs: number, ctx: ProbeContext): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let timer: LongTimer | undefined;
    try {
      const child = spawnChild({
        argv, cwd: ctx.cwd, env: ctx.env, credentials: ctx.credentials, umask: null, output: "ignore",
        onExit: (code, signal) => {
          timer?.cancel();
          if (code === 0) resolve({ ok: true });
          else resolve({ ok: false, error: signal !== null ? `command killed by SIG${signal}` : `command exited with status ${code}` });
        },
      });
      // the command leads its own group: kill it all, so a probe never outlives its timeout
      timer = setLongTimeout(() => {
        sendSignal(child.pid, "KILL", true);
        resolve(timedOut(timeoutMs));
      }, timeoutMs);
    } catch (error) {
      resolve({ ok: false, error: (error as Error).message });
    }
  });
}

// "connection refused" rather than a stack: the words go to status and the log.
function describeError(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === "ECONNREFUSED" || code === "ConnectionRefused") return "connection refused";
  return code ?? (error instanceof Error ? error.message : String(error));
}
