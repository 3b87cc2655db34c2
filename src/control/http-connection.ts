// HTTP/1.1 on the control socket, for supervisorctl (`-s unix:///run/tsvisor.sock`) and XML-RPC clients:
// a connection whose first bytes are a request line is read as HTTP, one request at a time, and each
// request is answered by a Fetch handler (http/control-socket-http.ts). Only what those clients send is
// read: Content-Length bodies (no chunked requests), a bounded head, a bounded body; anything else is
// refused with its status and the connection closed. Writes never block: replies queue (bounded) and
// a stream (tail -f) is read from only as fast as the socket takes it.
import type { Socket } from "bun";
import { WriteQueue } from "./write-queue.ts";
import { MAX_RPC_BODY_BYTES } from "./xmlrpc-codec.ts";

/** Answers one request; a body marked `X-Accel-Buffering: no` (a log tail) is sent as it comes. */
export type HttpHandler = (request: Request) => Promise<Response>;

/** Request line and headers, at most. */
export const MAX_HEAD_BYTES = 16 * 1024;
const MAX_HEADERS = 100;
/** Bytes queued for a client that does not read; beyond this its connection is dropped. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;
/** How long a closing connection's reader has to take its last answer. */
const CLOSE_GRACE_MS = 10_000;
/** A stream waits for the socket once this much of it is queued. */
const STREAM_QUEUE_BYTES = 256 * 1024;

const METHODS = ["GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE "];
const REASONS: Record<number, string> = { 200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout", 413: "Content Too Large", 431: "Request Header Fields Too Large", 500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable" };
const CRLFCRLF = Buffer.from("\r\n\r\n");

// The first bytes of a connection -> HTTP, the JSON-lines protocol, or not known yet (a method's prefix).
export function sniffProtocol(bytes: Uint8Array): "http" | "json" | "undecided" {
  const text = Buffer.from(bytes.subarray(0, 8)).toString("latin1");
  if (METHODS.some((m) => text.startsWith(m))) return "http";
  return METHODS.some((m) => m.startsWith(text) && text.length < m.length) ? "undecided" : "json";
}

interface Head {
  method: string;
  target: string;
  version: "1.0" | "1.1";
  headers: Headers;
  length: number;
}

export interface HttpConnectionOptions {
  /** Close a connection with no complete request (and none being answered) for this long. */
  idleMs: number;
  handler: () => Promise<HttpHandler>;
}

export class HttpConnection {
  private input = Buffer.alloc(0);
  private head: Head | null = null;
  private busy = false;
  /** The last answer is queued: the socket ends once it is out. */
  private closing = false;
  private closed = false;
  private readonly output: WriteQueue;
  private idleTimer: Timer | undefined;
  private waitingForDrain: (() => void) | null = null;
  /** Cancels the stream being sent (tail -f), when one is. */
  private cancelStream: (() => void) | null = null;

  constructor(private readonly socket: Socket<unknown>, private readonly options: HttpConnectionOptions) {
    this.output = new WriteQueue(socket);
    this.armIdleTimer();
  }

  receive(chunk: Uint8Array): void {
    if (this.closed || this.closing) return;
    if (this.input.length + chunk.length > MAX_HEAD_BYTES + MAX_RPC_BODY_BYTES) return this.refuse(413, "the request is too large");
    this.input = Buffer.concat([this.input, chunk]);
    this.next();
  }

  drain(): void {
    this.flush();
    if (this.closing && this.output.empty && !this.closed) {
      this.socket.end();
      return this.gone();
    }
    if (this.output.bytes < STREAM_QUEUE_BYTES) {
      const resume = this.waitingForDrain;
      this.waitingForDrain = null;
      resume?.();
    }
  }

  gone(): void {
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.output.clear();
    this.input = Buffer.alloc(0);
    this.cancelStream?.();
    this.cancelStream = null;
    this.waitingForDrain?.();
  }

  // Read as far as the buffered bytes go: a head, then its body, then answer it.
  private next(): void {
    if (this.busy || this.closed) return;
    if (this.head === null) {
      const end = this.input.indexOf(CRLFCRLF);
      if (end < 0) {
        if (this.input.length > MAX_HEAD_BYTES) this.refuse(431, "the request head is too large");
        return;
      }
      if (end > MAX_HEAD_BYTES) return this.refuse(431, "the request head is too large");
      const parsed = parseHead(this.input.subarray(0, end).toString("latin1"));
      this.input = this.input.subarray(end + 4);
      if ("status" in parsed) return this.refuse(parsed.status, parsed.message);
      this.head = parsed;
    }
    if (this.input.length < this.head.length) return;
    const head = this.head;
    const body = this.input.subarray(0, head.length);
    this.input = this.input.subarray(head.length);
    this.head = null;
    this.busy = true;
    clearTimeout(this.idleTimer);
    void this.answer(head, body);
  }

  private async answer(head: Head, body: Uint8Array): Promise<void> {
    let response: Response;
    try {
      const handler = await this.options.handler();
      const hasBody = head.method !== "GET" && head.method !== "HEAD";
      response = await handler(new Request(`http://localhost${head.target}`, { method: head.method, headers: head.headers, ...(hasBody ? { body } : {}) }));
    } catch (error) {
      response = new Response(`internal error in tsvisor: ${(error as Error).message}\n`, { status: 500 });
    }
    if (this.closed) return void response.body?.cancel().catch(() => {});
    const keepAlive = head.version === "1.1" ? !/\bclose\b/i.test(head.headers.get("connection") ?? "") : /\bkeep-alive\b/i.test(head.headers.get("connection") ?? "");
    const streaming = response.headers.get("x-accel-buffering") === "no" && response.body !== null && head.method !== "HEAD";
    const headers = new Headers(response.headers);
    headers.set("server", "tsvisor");
    if (streaming) {
      headers.set("connection", "close");
      if (head.version === "1.1") headers.set("transfer-encoding", "chunked");
      this.write(statusLine(response, headers));
      await this.pipe(response.body!, head.version === "1.1");
      return this.close();
    }
    const bytes = head.method === "HEAD" ? new Uint8Array() : new Uint8Array(await response.arrayBuffer());
    if (head.method === "HEAD") void response.body?.cancel().catch(() => {});
    headers.set("content-length", String(head.method === "HEAD" ? 0 : bytes.length));
    headers.set("connection", keepAlive ? "keep-alive" : "close");
    this.write(statusLine(response, headers));
    this.write(bytes);
    if (!keepAlive) return this.close();
    this.busy = false;
    this.armIdleTimer();
    this.next();
  }

  // A stream's chunks as they come, no faster than the socket takes them.
  private async pipe(body: ReadableStream<Uint8Array>, chunked: boolean): Promise<void> {
    const reader = body.getReader();
    this.cancelStream = () => void reader.cancel().catch(() => {});
    try {
      for (;;) {
        if (this.closed) return;
        const { done, value } = await reader.read();
        if (done || this.closed) break;
        if (value.length === 0) continue;
        this.write(chunked ? Buffer.concat([Buffer.from(`${value.length.toString(16)}\r\n`), value, Buffer.from("\r\n")]) : value);
        if (this.output.bytes >= STREAM_QUEUE_BYTES) await new Promise<void>((resolve) => (this.waitingForDrain = resolve));
      }
      if (chunked) this.write(Buffer.from("0\r\n\r\n"));
    } catch {
      // the source ended it (a reader too far behind) or the client left
    } finally {
      this.cancelStream = null;
    }
  }

  private write(bytes: Uint8Array): void {
    if (this.closed || bytes.length === 0) return;
    this.output.push(bytes);
    if (this.output.bytes > MAX_QUEUED_BYTES) {
      this.socket.terminate();
      return this.gone();
    }
    this.flush();
  }

  private flush(): void {
    if (!this.closed && !this.output.flush()) this.gone();
  }

  // Answer a request that cannot be read, then close: what follows it cannot be trusted to be a request.
  private refuse(status: number, message: string): void {
    const body = Buffer.from(`${message}\n`);
    this.write(Buffer.from(`HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`));
    this.write(body);
    this.close();
  }

  // End the connection once what is queued is out (drain() finishes it), or cut it after a grace.
  private close(): void {
    if (this.closed || this.closing) return;
    this.closing = true;
    clearTimeout(this.idleTimer);
    this.input = Buffer.alloc(0);
    this.flush();
    if (this.output.empty) {
      this.socket.end();
      return this.gone();
    }
    setTimeout(() => {
      if (this.closed) return;
      this.socket.terminate();
      this.gone();
    }, CLOSE_GRACE_MS).unref();
  }

  private armIdleTimer(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (!this.busy) this.close();
    }, this.options.idleMs);
  }
}

// "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\n..." -> the head, or the status to refuse it with.
export function parseHead(text: string): Head | { status: number; message: string } {
  const lines = text.split("\r\n");
  const request = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/.exec(lines[0]!);
  if (request === null) return { status: 400, message: "not an HTTP/1.x request line" };
  const [, method, target, minor] = request;
  if (!target!.startsWith("/")) return { status: 400, message: "the request target must be a path" };
  if (lines.length - 1 > MAX_HEADERS) return { status: 431, message: `more than ${MAX_HEADERS} headers` };
  const headers = new Headers();
  const lengths = new Set<string>();
  for (const line of lines.slice(1)) {
    // no obs-fold, no control characters, a token for a name: what a request smuggler would play with is refused
    const header = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([^\x00-\x08\x0a-\x1f\x7f]*?)[ \t]*$/.exec(line);
    if (header === null) return { status: 400, message: "a malformed header line" };
    const name = header[1]!.toLowerCase();
    if (name === "content-length") lengths.add(header[2]!);
    else if (name === "transfer-encoding") return { status: 501, message: "a request body must have a Content-Length (no Transfer-Encoding)" };
    headers.append(name, header[2]!);
  }
  if (lengths.size > 1) return { status: 400, message: "Content-Length given twice, differently" };
  const lengthText = [...lengths][0] ?? "0";
  if (!/^\d{1,10}$/.test(lengthText)) return { status: 400, message: "a malformed Content-Length" };
  const length = Number(lengthText);
  if (length > MAX_RPC_BODY_BYTES) return { status: 413, message: `a request body may be at most ${MAX_RPC_BODY_BYTES} bytes` };
  return { method: method!, target: target!, version: minor === "0" ? "1.0" : "1.1", headers, length };
}

function statusLine(response: Response, headers: Headers): Uint8Array {
  // the reason phrase is sent as given (supervisorctl prints it), cleaned of what would end the line
  const reason = (response.statusText || REASONS[response.status] || "Status").replace(/[^\x20-\x7e]/g, " ");
  const lines = [`HTTP/1.1 ${response.status} ${reason}`];
  headers.forEach((value, name) => lines.push(`${name}: ${value}`));
  return Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
}
