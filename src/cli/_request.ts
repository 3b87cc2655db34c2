// What every client command does first: find the socket, send one request, get the reply. An
// unreachable daemon exits 2 here. The config is only read when neither --socket nor
// $TSVISOR_SOCKET names the socket (clientSocketPath), so a health probe reads no file.
import { clientSocketPath } from "../config/socket-path.ts";
import { sendRequest, type RequestOptions } from "../control/client.ts";
import type { ErrorBody, Op, Outcome, Request, Response } from "../control/protocol.ts";
import { TsvisorError } from "../errors.ts";
import { EXIT, fail } from "./_exit.ts";
import { describeError, renderOutcome, type Verb } from "./_render.ts";

/** The arguments client commands share (socketArgs and configArgs). */
export interface TargetArgs {
  socket?: string | undefined;
  config?: string | undefined;
}

// The socket this command talks to; throws when it cannot be known (no config, bad config).
export function findSocket(args: TargetArgs): Promise<string> {
  return clientSocketPath({ flag: args.socket, file: args.config, env: process.env, cwd: process.cwd(), uid: process.getuid?.() ?? 0 });
}

// Send one request; the reply, or exit 2 when the daemon cannot be found or reached.
export async function request<O extends Op>(args: TargetArgs, req: Extract<Request, { op: O }>, options?: RequestOptions): Promise<Response<O>> {
  try {
    return await sendRequest(await findSocket(args), req, options);
  } catch (error) {
    fail(error);
  }
}

// A request the daemon refused as a whole: a name it does not know is "not ok" (1, as supervisorctl
// prints it: "wbe: ERROR (no such process)"), anything else is a usage or version problem (2).
export function refused(error: ErrorBody): void {
  if (error.code === "NO_SUCH_PROCESS" || error.code === "NO_SUCH_GROUP") {
    process.stdout.write(`${error.name}: ERROR (${describeError(error)})\n`);
    process.exitCode = EXIT.NOT_OK;
    return;
  }
  if (error.code === "SHUTTING_DOWN") {
    process.stderr.write(`tsvisor: ${describeError(error)}${error.message ? `: ${error.message}` : ""}\n`);
    process.exitCode = EXIT.NOT_OK; // the daemon answered: the thing asked for is not ok, not a usage error
    return;
  }
  if (error.code === "CONFIG_INVALID") fail(new TsvisorError(error.code, `${describeError(error)}; nothing changed:\n${error.message ?? ""}`));
  fail(new TsvisorError(error.code, `ERROR (${describeError(error)})`), EXIT.USAGE);
}

// Outcome lines of start/stop/restart/signal on stdout; exit 1 when any process failed. Output
// goes before the exit code is set, and the process ends on its own so a pipe gets all of it.
export function reportOutcomes(outcomes: readonly Outcome[], verb: Verb, waited: boolean, json: boolean): void {
  process.stdout.write(json ? `${JSON.stringify({ outcomes })}\n` : outcomes.map((o) => `${renderOutcome(o, verb, waited)}\n`).join(""));
  process.exitCode = outcomes.every((o) => o.ok) ? EXIT.OK : EXIT.NOT_OK;
}
