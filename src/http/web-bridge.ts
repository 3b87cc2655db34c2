// node:http's request and response <-> the Fetch API's Request and Response that api.ts speaks. The
// server is node:http's (for its connection cap and timeouts, which Bun.serve lacks); the answers stay
// Fetch Responses, so a stream keeps its own backpressure: it is written no faster than the socket
// takes it, and a reader that falls too far behind ends it (event-stream.ts) and loses the connection.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";

/** The URL a request names: its target under its Host (HTTP/1.0 may send none); null when they make none. */
export function requestUrl(req: IncomingMessage): URL | null {
  const base = `http://${req.headers.host ?? "localhost"}`;
  const target = req.url ?? "/";
  return URL.canParse(target, base) ? new URL(target, base) : null;
}

/** A Fetch Request for a routed request (GET, HEAD or POST); a POST's body is read as api.ts asks for it. */
export function toFetchRequest(req: IncomingMessage, url: URL): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headersDistinct)) for (const one of value ?? []) headers.append(name, one);
  const body = req.method === "POST" ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : null;
  return new Request(url.href, { method: req.method, headers, body, duplex: "half" } as RequestInit);
}

/**
 * Write `response` to `res`: a body of known length at once, an event stream as it comes. Resolves when
 * the answer is out or the connection is gone. `streams` holds a stream's abort while it runs (a reload
 * that changes the token ends every stream).
 */
export async function sendFetchResponse(response: Response, res: ServerResponse, head: boolean, streams: Set<AbortController>): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  const reason = response.statusText || undefined; // supervisorctl prints the reason phrase of a refusal
  if (response.body === null || head) {
    await response.body?.cancel();
    res.writeHead(response.status, reason, headers).end();
    return;
  }
  if (!isStream(response)) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    res.writeHead(response.status, reason, { ...headers, "content-length": String(bytes.length) }).end(bytes);
    return;
  }
  res.writeHead(response.status, reason, headers);
  const abort = new AbortController();
  streams.add(abort);
  res.once("close", () => abort.abort());
  // pipeTo reacts to the body's end or error even while a write waits for the socket: a reader that
  // stopped reading loses its connection as soon as its stream gives up on it.
  await response.body.pipeTo(socketSink(res), { signal: abort.signal }).catch(() => res.destroy());
  streams.delete(abort);
}

/** A body written as it comes: Server-Sent Events, and anything marked `X-Accel-Buffering: no` (a log tail), which tells a proxy the same. */
export function isStream(response: Response): boolean {
  return response.headers.get("content-type")?.startsWith("text/event-stream") === true || response.headers.get("x-accel-buffering") === "no";
}

// A sink whose write resolves when the socket has taken the chunk (node's own buffer holds at most one).
function socketSink(res: ServerResponse): WritableStream<Uint8Array> {
  return new WritableStream<Uint8Array>({
    write: (chunk) => (res.write(chunk) ? undefined : drained(res)),
    close: () => void res.end(),
    abort: () => void res.destroy(),
  });
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      res.off("drain", onDrain).off("close", onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error("the connection closed"));
    res.on("drain", onDrain).on("close", onClose);
  });
}
