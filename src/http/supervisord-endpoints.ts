// supervisord's HTTP endpoints, on [http] and on the control socket alike: POST /RPC2 (XML-RPC,
// control/xmlrpc-*.ts), and GET /logtail/NAME/CHANNEL and /mainlogtail, the streams `supervisorctl
// tail -f` and `maintail -f` read (http.py logtail_handler: the last 1 KiB, then every new byte).
import { closeSync } from "node:fs";
import type { ControlDeps } from "../control/dispatch.ts";
import { MAX_RPC_BODY_BYTES, XmlRpcParseError, encodeFault, encodeResponse, parseMethodCall } from "../control/xmlrpc-codec.ts";
import { rpcContext } from "../control/xmlrpc-context.ts";
import { callMethod, needOf } from "../control/xmlrpc-methods.ts";
import { splitNamespec } from "../control/xmlrpc-words.ts";
import { follow, openCursor, type LogCursor } from "../logs/tail.ts";
import { fdShortageFor } from "../os/fd-budget.ts";
import { readAtMost } from "./request-body.ts";
import type { Grants } from "./request-guard.ts";
import type { SupervisordRoute } from "./routes.ts";

/** supervisord's tail -f starts this many bytes before the end. */
const TAIL_HEAD_BYTES = 1024;
/** A tail -f reader this far behind is dropped (it must never hold the daemon's memory). */
const MAX_TAIL_QUEUED_BYTES = 1024 * 1024;

export interface SupervisordEndpointDeps {
  control: ControlDeps;
  grants: Grants;
  /** Why an action is refused when `grants` refuse it, for the 403's reason phrase. */
  refusal: string;
  /** Log tails open on this server, and how many it allows. */
  streams: { open: number; max: number };
}

export async function supervisordAnswer(route: SupervisordRoute, request: Request, deps: SupervisordEndpointDeps): Promise<Response> {
  if (route.kind === "rpc") return rpc(request, deps);
  const path = route.kind === "mainlogtail" ? deps.control.mainLog : await logPathOf(route.name, route.stream, deps.control);
  if (path === null) return plain(404, "no such process, or it keeps no log of that channel");
  return tailFollow(path, deps);
}

async function rpc(request: Request, deps: SupervisordEndpointDeps): Promise<Response> {
  const length = request.headers.get("content-length");
  if (length !== null && Number(length) > MAX_RPC_BODY_BYTES) return plain(413, `an XML-RPC request may be at most ${MAX_RPC_BODY_BYTES} bytes`);
  const body = request.body === null ? new Uint8Array() : await readAtMost(request.body, MAX_RPC_BODY_BYTES);
  if (body === null) return plain(413, `an XML-RPC request may be at most ${MAX_RPC_BODY_BYTES} bytes`);
  let call;
  try {
    call = parseMethodCall(body);
  } catch (error) {
    if (error instanceof XmlRpcParseError) return plain(400, error.message); // supervisord answers 400 too
    throw error;
  }
  const need = needOf(call);
  if ((need === "action" && !deps.grants.actions) || (need === "output" && !deps.grants.output)) {
    // supervisorctl prints the reason phrase of a refusal (xmlrpclib's ProtocolError): it says why
    return plain(403, deps.refusal, `Forbidden: ${deps.refusal}`);
  }
  const result = await callMethod(call, rpcContext(deps.control));
  const xml = "value" in result ? encodeResponse(result.value) : encodeFault(result.fault.code, result.fault.text);
  return new Response(xml, { headers: { "content-type": "text/xml", "cache-control": "no-store" } });
}

// The file a process's channel is written to; null when there is no such process or no such file.
async function logPathOf(namespec: string, stream: "stdout" | "stderr", control: ControlDeps): Promise<string | null> {
  const { group, process } = splitNamespec(namespec);
  if (process === null) return null;
  const context = rpcContext(control);
  const status = await context.call({ op: "status", names: [`${group}:${process}`] });
  if (!status.ok || status.result.processes.length !== 1) return null;
  return context.logPaths(status.result.processes[0]!.name)[stream];
}

// The last KiB of the file, then what is appended to it, across rotations, until the reader goes.
function tailFollow(path: string, deps: SupervisordEndpointDeps): Response {
  if (deps.streams.open >= deps.streams.max) return plain(503, `${deps.streams.max} log tails are open, the most this server keeps`);
  if (fdShortageFor("http") !== null) return plain(503, "tsvisor is short of file descriptors");
  let cursor: LogCursor;
  try {
    cursor = openCursor(path);
  } catch {
    return plain(404, "the log is not a file tsvisor reads (a pipe, a device or a link)");
  }
  // http.py: a log that does not exist yet is a 404, "a temporary condition"
  if (cursor.fd === null) return plain(404, "the log file does not exist (yet)");
  cursor.position = Math.max(0, cursor.position - TAIL_HEAD_BYTES);
  deps.streams.open++;
  const abort = new AbortController();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    abort.abort();
    deps.streams.open--;
    if (cursor.fd !== null) closeSync(cursor.fd);
    cursor.fd = null;
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      void follow(cursor, (data) => {
        if (ended) return;
        controller.enqueue(new Uint8Array(data));
        // a reader that does not read is cut off, never waited for
        if ((controller.desiredSize ?? 0) <= 0) {
          end();
          controller.error(new Error("the reader fell too far behind"));
        }
      }, abort.signal).catch(() => {}).finally(() => {
        if (ended) return;
        end();
        try {
          controller.close();
        } catch {
          // already errored
        }
      });
    },
    cancel: end,
  }, { highWaterMark: MAX_TAIL_QUEUED_BYTES, size: (chunk) => chunk?.byteLength ?? 0 });
  // X-Accel-Buffering: no marks a stream for the writer (http/web-bridge.ts) and for a proxy, as supervisord's does
  return new Response(body, { headers: { "content-type": "text/plain;charset=utf-8", "x-accel-buffering": "no", "cache-control": "no-store" } });
}

function plain(status: number, text: string, statusText?: string): Response {
  return new Response(`${text}\n`, { status, ...(statusText ? { statusText } : {}), headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });
}
