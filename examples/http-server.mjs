// A tiny HTTP server for the demo: answers every request with a line of text and logs it.
import { createServer } from "node:http";

const port = Number(process.env.PORT ?? 8080);
const server = createServer((req, res) => {
  console.log(`${req.method} ${req.url}`);
  res.end(`hello from ${process.env.TSVISOR_PROCESS_NAME ?? "web"} (pid ${process.pid})\n`);
});
server.listen(port, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${port}`));
// Stop accepting, finish what is in flight, then exit 0: a graceful stop on SIGTERM.
process.on("SIGTERM", () => server.close(() => process.exit(0)));
