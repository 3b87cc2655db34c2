// What supervisord's API methods reach in a running tsvisor: the dispatcher every transport shares,
// and the processes' specs for their log paths.
import { type ControlDeps, handleRequest } from "./dispatch.ts";
import type { Op, Request, Response } from "./protocol.ts";
import type { RpcContext } from "./xmlrpc-methods.ts";

let nextId = 1;

export function rpcContext(deps: ControlDeps): RpcContext {
  return {
    call: <O extends Op>(request: Extract<Request, { op: O }>) => handleRequest(request, `rpc-${nextId++}`, deps) as Promise<Response<O>>,
    logPaths(name) {
      const spec = deps.supervisor.specs().find((s) => s.name === name);
      if (spec === undefined) return { stdout: null, stderr: null };
      return { stdout: spec.stdout_logfile, stderr: spec.program.redirect_stderr ? null : spec.stderr_logfile };
    },
    shuttingDown: deps.shuttingDown,
    now: Date.now,
  };
}
