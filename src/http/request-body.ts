// A request body read whole, up to a limit: the JSON API's and XML-RPC's alike.

// The whole body, or null as soon as it passes `limit` (a chunked body has no Content-Length to trust).
export async function readAtMost(body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array | null> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
