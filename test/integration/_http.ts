// Talking to a daemon's [http] server in tests: a config block on a free loopback port, and a
// Server-Sent Events reader that collects messages as they arrive so a test can wait for one.
import { freePort, waitFor } from "./_harness.ts";

/** An [http] block on a port that was free a moment ago, and the base URL to reach it. */
export function httpOn(extra = ""): { block: string; base: string } {
  const port = freePort();
  return { block: `[http]\nlisten = "127.0.0.1:${port}"\n${extra}\n`, base: `http://127.0.0.1:${port}` };
}

export interface StreamMessage {
  event: string;
  data: string;
}

/** The messages of an open text/event-stream response, read in the background. */
export class EventStreamReader implements AsyncDisposable {
  readonly messages: StreamMessage[] = [];
  readonly comments: string[] = [];
  private readonly done: Promise<void>;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;

  constructor(readonly response: Response) {
    this.reader = response.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    this.done = this.read();
  }

  /** The first message (from the start of the stream) that `match` accepts, waiting for it. */
  next(match: (m: StreamMessage) => boolean, what: string, timeoutMs?: number): Promise<StreamMessage> {
    return waitFor(() => this.messages.find(match), `${what}; messages so far: ${JSON.stringify(this.messages.slice(-10))}`, timeoutMs);
  }

  /** Resolves when the server ends the stream. */
  ended(): Promise<void> {
    return this.done;
  }

  private async read(): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await this.reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          this.parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      // cancelled by the test
    }
  }

  private parse(block: string): void {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) this.comments.push(line.slice(1).trim());
      else if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data.push(line.slice(6));
    }
    if (data.length > 0) this.messages.push({ event, data: data.join("\n") });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.reader.cancel().catch(() => {});
  }
}
