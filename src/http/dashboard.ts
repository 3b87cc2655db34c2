// The dashboard page (dashboard.html: one self-contained file, no external resources) embedded in the
// binary, with the state graph of its help view drawn in, and the headers it is served with. Its
// inline script and style are allowed by their hashes in the Content-Security-Policy, so nothing
// injected into the page could run.
import { createHash } from "node:crypto";
// Imported as text, not as a Bun HTML bundle (which is what the .html type declares).
import page from "./dashboard.html" with { type: "text" };
import { renderStateGraph } from "./state-graph-svg.ts";

export const DASHBOARD_PAGE = (page as unknown as string).replace("<!-- state graph -->", () => renderStateGraph());
// About 41 KB as written (with its comments and the state graph), 13 KB on the wire for a browser that takes gzip.
const DASHBOARD_PAGE_GZIP = Bun.gzipSync(Buffer.from(DASHBOARD_PAGE));

// 'sha256-…' for each inline <script> or <style> block of the page.
function hashesOf(tag: "script" | "style"): string {
  const blocks = [...DASHBOARD_PAGE.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g"))];
  return blocks.map((m) => `'sha256-${createHash("sha256").update(m[1]!).digest("base64")}'`).join(" ");
}

// The page, gzipped when the request's Accept-Encoding allows it.
export function dashboardResponse(acceptEncoding: string | null): Response {
  const gzip = acceptEncoding !== null && /\bgzip\b/i.test(acceptEncoding);
  const headers = { ...DASHBOARD_HEADERS, vary: "accept-encoding", ...(gzip ? { "content-encoding": "gzip" } : {}) };
  return new Response(gzip ? DASHBOARD_PAGE_GZIP : DASHBOARD_PAGE, { headers });
}

const DASHBOARD_HEADERS: Record<string, string> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "content-security-policy": [
    "default-src 'none'", `script-src ${hashesOf("script")}`, `style-src ${hashesOf("style")}`, "connect-src 'self'",
    "img-src data:", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
  ].join("; "),
  "referrer-policy": "no-referrer",
};
