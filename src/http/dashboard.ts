// The dashboard page (dashboard.html: one self-contained file, no external resources) embedded in the
// binary, and the headers it is served with. Its inline script and style are allowed by their hashes
// in the Content-Security-Policy, so nothing injected into the page could run.
import { createHash } from "node:crypto";
// Imported as text, not as a Bun HTML bundle (which is what the .html type declares).
import page from "./dashboard.html" with { type: "text" };

export const DASHBOARD_PAGE = page as unknown as string;

// 'sha256-…' for each inline <script> or <style> block of the page.
function hashesOf(tag: "script" | "style"): string {
  const blocks = [...DASHBOARD_PAGE.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g"))];
  return blocks.map((m) => `'sha256-${createHash("sha256").update(m[1]!).digest("base64")}'`).join(" ");
}

export const DASHBOARD_HEADERS: Record<string, string> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "content-security-policy": [
    "default-src 'none'", `script-src ${hashesOf("script")}`, `style-src ${hashesOf("style")}`, "connect-src 'self'",
    "img-src data:", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
  ].join("; "),
  "referrer-policy": "no-referrer",
};
