// The control socket's HTTP side (control/http-connection.ts reads the requests): supervisord's
// endpoints only — /RPC2, /logtail, /mainlogtail — as supervisord's [unix_http_server] serves them.
// The socket's file mode says who may connect, so whoever gets in may do everything; with
// [supervisor] rpc_username and rpc_password every request must also carry them (Basic auth).
import type { ControlDeps } from "../control/dispatch.ts";
import type { HttpHandler } from "../control/http-connection.ts";
import { MAX_STREAMS } from "./api.ts";
import { type BasicCredentials, hasBasicCredentials } from "./basic-auth.ts";
import { isSupervisordRoute, matchRoute } from "./routes.ts";
import { supervisordAnswer } from "./supervisord-endpoints.ts";

export function controlSocketHandler(deps: ControlDeps, basic: BasicCredentials | null): HttpHandler {
  const streams = { open: 0, max: MAX_STREAMS };
  return async (request) => {
    const match = matchRoute(request.method, new URL(request.url).pathname);
    if ("error" in match && match.error === "METHOD_NOT_ALLOWED") return plain(405, `use ${match.allow}`, { allow: match.allow });
    if ("error" in match || !isSupervisordRoute(match.route)) {
      return plain(404, "the control socket serves supervisord's endpoints over HTTP: POST /RPC2, GET /logtail/NAME/stdout, GET /mainlogtail (the JSON API is [http]'s)");
    }
    if (basic !== null && !hasBasicCredentials(request.headers.get("authorization"), basic)) {
      return plain(401, "this socket asks for [supervisor] rpc_username and rpc_password (supervisorctl -u USER -p PASSWORD)", { "www-authenticate": 'Basic realm="tsvisor"' });
    }
    return supervisordAnswer(match.route, request, { control: deps, grants: { actions: true, output: true }, refusal: "", streams });
  };
}

function plain(status: number, text: string, headers: Record<string, string> = {}): Response {
  return new Response(`${text}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers } });
}
