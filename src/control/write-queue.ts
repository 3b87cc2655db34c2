// What a connection has to send and the socket has not taken yet. Bun's socket.write is unbuffered:
// it takes what the kernel takes and says how much; the rest waits here for the next drain.
import type { Socket } from "bun";

export class WriteQueue {
  private chunks: Uint8Array[] = [];
  /** Bytes waiting. */
  bytes = 0;

  constructor(private readonly socket: Socket<unknown>) {}

  get empty(): boolean {
    return this.chunks.length === 0;
  }

  push(data: Uint8Array): void {
    this.chunks.push(data);
    this.bytes += data.length;
  }

  /** Write what the socket takes now; false when the socket failed (the connection is gone). */
  flush(): boolean {
    while (this.chunks.length > 0) {
      const head = this.chunks[0]!;
      const written = this.socket.write(head);
      if (written < 0) return false;
      this.bytes -= written;
      if (written < head.length) {
        this.chunks[0] = head.subarray(written);
        return true;
      }
      this.chunks.shift();
    }
    return true;
  }

  clear(): void {
    this.chunks = [];
    this.bytes = 0;
  }
}
