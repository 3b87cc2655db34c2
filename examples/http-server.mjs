// A tiny HTTP server for the demo: answers every request with a line of text and logs it.
import { createServer } from "node:http";

const port = Number(process.env.PORT ?? 8080);
const server = createServer((req, res) => {
  console.log(`${req.method} ${req.url}`);
  res.end(`hello from ${process.env.TSVISOR_PROCESS_NAME ?? "web"} (pid ${process.pid})\n`);
});
// Loopback by default; a container sets HOST=0.0.0.0 so that its published port reaches the server.
const host = process.env.HOST ?? "127.0.0.1";
server.listen(port, host, () => console.log(`listening on http://${host}:${port}`));
// Stop accepting, finish what is in flight, then exit 0: a graceful stop on SIGTERM.
process.on("SIGTERM", () => server.close(() => process.exit(0)));
