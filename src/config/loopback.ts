// Is a host name or address this machine's loopback? Decides whether [http] may listen without a
// token, and which Host headers a token-less server answers (docs/http.md "Security").

// "localhost" (and names under it, RFC 6761), 127.0.0.0/8, ::1 (also written out or IPv4-mapped).
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  if (/^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  return h === "::1" || /^(0{1,4}:){7}0{0,3}1$/.test(h);
}
