// supervisord's XML-RPC API 3.0 (rpcinterface.py, xmlrpc.py's system.*), method by method, as calls
// on the control protocol's ops: the API is a third encoding of the same operations, never a second
// implementation of one (docs/supervisord.md "supervisorctl and the XML-RPC API").
import { EncodedValue, encodeValue, type MethodCall, type XmlRpcStruct, type XmlRpcValue } from "./xmlrpc-codec.ts";
import { FAULTS, RpcFault, faultOf, makeNamespec, processInfo, splitNamespec, type LogPaths } from "./xmlrpc-words.ts";
import type { ConfigInfo, LogStream, Op, Outcome, ProcessStatus, Request, Response, Results } from "./protocol.ts";

/** What a method may reach. */
export interface RpcContext {
  /** One request through control/dispatch.ts, as the socket's JSON lines go. */
  call<O extends Op>(request: Extract<Request, { op: O }>): Promise<Response<O>>;
  /** The log files of a process (its spec's), for getProcessInfo. */
  logPaths(name: string): LogPaths;
  shuttingDown(): boolean;
  /** Wall clock, ms. */
  now(): number;
}

/** What a caller must be allowed for a method: to read state, to read programs' output, or to act. */
export type Need = "read" | "output" | "action";

interface Method {
  /** [return type, param types...] as system.methodSignature gives it. */
  signature: string[];
  /** How many params may be left out at the end (wait = true). */
  optional?: number;
  help: string;
  need: Need;
  /** Allowed while shutting down (supervisord's _update() refuses the rest with SHUTDOWN_STATE). */
  whileStopping?: boolean;
  run(params: XmlRpcValue[], ctx: RpcContext): Promise<XmlRpcValue>;
}

export const API_VERSION = "3.0";
/** supervisord's identifier default is "supervisor"; this one names tsvisor. */
export const IDENTIFICATION = "tsvisor";
/** system.multicall takes at most this many calls. */
export const MAX_MULTICALL = 1000;
/**
 * A multicall's answers stop at this many bytes of XML: the calls after are not run, and each says so
 * in its place. 1,000 calls of getAllProcessInfo from a 200 KB body made a 240 MB answer at 200
 * programs, 1.5 GB of the daemon's memory and seconds of its one thread, from anyone on a token-less
 * loopback port, where reads are allowed (red team). One getAllProcessInfo of 1,000 programs is ~1.2 MB.
 */
export const MAX_MULTICALL_ANSWER_BYTES = 8 * 1024 * 1024;

/** A method's answer: its value, or the Fault to send. */
export type CallResult = { value: XmlRpcValue } | { fault: { code: number; text: string } };

// One call -> its value or Fault; never throws for a client's mistake.
export async function callMethod(call: MethodCall, ctx: RpcContext): Promise<CallResult> {
  try {
    return { value: await invoke(call.method, call.params, ctx) };
  } catch (error) {
    if (error instanceof RpcFault) return { fault: { code: error.code, text: error.message } };
    return { fault: { code: FAULTS.FAILED, text: `FAILED: ${error instanceof Error ? error.message : String(error)}` } };
  }
}

// The most a call needs (a multicall needs what its calls need), so the transport can refuse it whole.
export function needOf(call: MethodCall): Need {
  const rank: Record<Need, number> = { read: 0, output: 1, action: 2 };
  const method = METHODS.get(call.method);
  if (call.method !== "system.multicall") return method?.need ?? "read";
  let need: Need = "read";
  for (const sub of Array.isArray(call.params[0]) ? call.params[0] : []) {
    const name = sub instanceof Map ? sub.get("methodName") : undefined;
    const subNeed = typeof name === "string" && name !== "system.multicall" ? METHODS.get(name)?.need ?? "read" : "read";
    if (rank[subNeed] > rank[need]) need = subNeed;
  }
  return need;
}

async function invoke(name: string, params: XmlRpcValue[], ctx: RpcContext): Promise<XmlRpcValue> {
  const method = METHODS.get(name);
  if (method === undefined) throw new RpcFault("UNKNOWN_METHOD");
  const max = method.signature.length - 1;
  if (params.length > max || params.length < max - (method.optional ?? 0)) throw new RpcFault("INCORRECT_PARAMETERS");
  method.signature.slice(1, params.length + 1).forEach((type, i) => {
    if (!isOfType(params[i]!, type)) throw new RpcFault("INCORRECT_PARAMETERS");
  });
  if (!method.whileStopping && name.startsWith("supervisor.") && ctx.shuttingDown()) throw new RpcFault("SHUTDOWN_STATE");
  return method.run(params, ctx);
}

function isOfType(value: XmlRpcValue, type: string): boolean {
  if (type === "string") return typeof value === "string";
  if (type === "int") return typeof value === "number" && Number.isSafeInteger(value);
  // xmlrpclib sends True as <boolean>; some clients send 0/1 as <int>
  if (type === "boolean") return typeof value === "boolean" || value === 0 || value === 1;
  if (type === "array") return Array.isArray(value);
  return true;
}

// The result of an op, or the Fault its error stands for.
function resultOf<O extends Op>(response: Response<O>, name = ""): Results[O] {
  if (response.ok) return response.result as Results[O];
  throw faultOf(response.error.code, response.error.name ?? name, response.error.state);
}

const str = (v: XmlRpcValue) => v as string;
const int = (v: XmlRpcValue) => v as number;
const flag = (v: XmlRpcValue | undefined) => (v === undefined ? true : v === true || v === 1);

// "web" -> "web:web", "worker:*" -> "worker:*": the names the protocol takes, with supervisord's meaning
// (a bare name is the process of that name in the group of that name, nothing else).
function protocolName(namespec: string): { name: string; group: string; process: string | null } {
  const { group, process } = splitNamespec(namespec);
  return { name: process === null ? `${group}:*` : `${group}:${process}`, group, process };
}

async function statusOf(ctx: RpcContext, names?: string[]): Promise<ProcessStatus[]> {
  return resultOf(await ctx.call({ op: "status", ...(names ? { names } : {}) }), names?.[0]).processes;
}

// supervisord's per-process result of a group or all-processes request: {name, group, status, description}.
function resultStruct(outcome: Outcome, groupOf: ReadonlyMap<string, string>, verbFault?: (o: Extract<Outcome, { ok: false }>) => RpcFault): XmlRpcStruct {
  const group = groupOf.get(outcome.name) ?? outcome.name;
  if (outcome.ok) return { name: outcome.name, group, status: FAULTS.SUCCESS, description: "OK" };
  const fault = verbFault?.(outcome) ?? faultOf(outcome.error.code, makeNamespec(group, outcome.name), outcome.error.state);
  return { name: outcome.name, group, status: fault.code, description: fault.message };
}

type Verb = "start" | "stop";

// startProcess / stopProcess: one process (a group name goes to the group's method, as supervisord's).
async function oneProcess(verb: Verb, namespec: string, wait: boolean, ctx: RpcContext): Promise<XmlRpcValue> {
  const target = protocolName(namespec);
  if (target.process === null) return manyProcesses(verb, target.group, wait, ctx);
  const outcome = resultOf(await ctx.call({ op: verb, names: [target.name], wait }), namespec).outcomes[0]!;
  if (!outcome.ok) throw faultOf(outcome.error.code, namespec, outcome.error.state);
  return true;
}

// start/stopProcessGroup and start/stopAllProcesses: those that need it, each with its result.
async function manyProcesses(verb: Verb, group: string | null, wait: boolean, ctx: RpcContext): Promise<XmlRpcValue> {
  const names = [group === null ? "all" : `${group}:*`];
  const groups = new Map((await statusOf(ctx, names)).map((p) => [p.name, p.group]));
  const { outcomes } = resultOf(await ctx.call({ op: verb, names, wait }), group ?? "all");
  return outcomes.map((o) => resultStruct(o, groups));
}

async function signal(namespec: string | null, signal: string, ctx: RpcContext): Promise<XmlRpcValue> {
  const target = namespec === null ? null : protocolName(namespec);
  const name = /^\d+$/.test(signal) ? signalByNumber(Number(signal)) : signal;
  const names = [target === null ? "all" : target.name];
  const groups = new Map((await statusOf(ctx, names)).map((p) => [p.name, p.group]));
  const response = await ctx.call({ op: "signal", names, signal: name ?? signal });
  if (!response.ok && response.error.code === "BAD_SIGNAL") throw new RpcFault("BAD_SIGNAL", signal);
  const { outcomes } = resultOf(response, namespec ?? "all");
  if (target?.process !== null && target !== null) {
    const outcome = outcomes[0]!;
    if (!outcome.ok) throw faultOf(outcome.error.code, namespec!, outcome.error.state);
    return true;
  }
  // a group or all: only the processes a signal can reach are in the result (isSignallable)
  return outcomes.filter((o) => o.ok || o.error.code !== "NOT_RUNNING").map((o) => resultStruct(o, groups));
}

// "1" -> "HUP": supervisord takes a signal by number too. Linux's numbering of the named signals.
const SIGNAL_NUMBERS = ["", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM",
  "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"];
const signalByNumber = (n: number): string | null => (n > 0 && n < SIGNAL_NUMBERS.length ? SIGNAL_NUMBERS[n]! : null);

async function processInfoOf(namespec: string, ctx: RpcContext): Promise<XmlRpcStruct> {
  const target = protocolName(namespec);
  if (target.process === null) throw new RpcFault("BAD_NAME", namespec);
  const [p] = await statusOf(ctx, [target.name]);
  return processInfo(p!, ctx.logPaths(p!.name), ctx.now());
}

async function readLog(namespec: string | null, stream: LogStream, offset: number, length: number, ctx: RpcContext): Promise<XmlRpcValue> {
  const target = namespec === null ? null : protocolName(namespec);
  if (target?.process === null) throw new RpcFault("BAD_NAME", namespec!);
  const response = await ctx.call({ op: "read_log", ...(target ? { name: target.name, stream } : {}), offset, length });
  if (!response.ok && response.error.code === "LOG_UNREADABLE") throw new RpcFault("FAILED");
  return resultOf(response, namespec ?? "").data;
}

// tailProcessStdoutLog: [bytes, offset, overflow]; a log that is not there is ['', 0, false] (supervisord's).
async function tailLog(namespec: string, stream: LogStream, offset: number, length: number, ctx: RpcContext): Promise<XmlRpcValue> {
  const target = protocolName(namespec);
  if (target.process === null) throw new RpcFault("BAD_NAME", namespec);
  const response = await ctx.call({ op: "tail_log", name: target.name, stream, offset, length });
  if (!response.ok && response.error.code === "NO_LOG") return ["", 0, false];
  const { data, offset: next, overflow } = resultOf(response, namespec);
  return [data, next, overflow];
}

async function clearLogs(namespec: string | null, ctx: RpcContext): Promise<XmlRpcValue> {
  const target = namespec === null ? null : protocolName(namespec);
  if (target?.process === null) throw new RpcFault("BAD_NAME", namespec!);
  const response = await ctx.call({ op: "clear_log", ...(target ? { name: target.name } : {}) });
  if (!response.ok && response.error.code === "LOG_UNREADABLE") throw new RpcFault("FAILED", namespec ?? undefined);
  const { files } = resultOf(response, namespec ?? "");
  if (target === null && files === 0) throw new RpcFault("NO_FILE");
  return true;
}

// getAllConfigInfo's struct: supervisord's keys, with its "none" for what is unset.
function configInfoStruct(c: ConfigInfo): XmlRpcStruct {
  const orNone = (v: string | null) => v ?? "none";
  const stopsignal = SIGNAL_NUMBERS.indexOf(c.stopsignal);
  return {
    autostart: c.autostart, directory: orNone(c.directory), uid: orNone(c.user), command: c.command.join(" "), exitcodes: c.exitcodes,
    group: c.group, group_prio: c.group_priority, inuse: c.in_use, killasgroup: c.killasgroup, name: c.name, process_prio: c.priority,
    redirect_stderr: c.redirect_stderr, startretries: c.startretries === "unlimited" ? 2 ** 31 - 1 : c.startretries, startsecs: c.startsecs,
    stdout_capture_maxbytes: 0, stdout_events_enabled: c.stdout_events_enabled, stdout_logfile: orNone(c.stdout_logfile),
    stdout_logfile_backups: c.stdout_logfile_backups, stdout_logfile_maxbytes: c.stdout_logfile_maxbytes, stdout_syslog: false,
    stopsignal: stopsignal > 0 ? stopsignal : 15, stopwaitsecs: c.stopwaitsecs, stderr_capture_maxbytes: 0,
    stderr_events_enabled: c.stderr_events_enabled, stderr_logfile: orNone(c.stderr_logfile), stderr_logfile_backups: c.stderr_logfile_backups,
    stderr_logfile_maxbytes: c.stderr_logfile_maxbytes, stderr_syslog: false, serverurl: "AUTO",
  };
}

const m = (method: Method) => method;

// The table. Aliases are supervisord's own (getVersion, readMainLog, readProcessLog, tailProcessLog, clearProcessLog).
const TABLE: [string, Method][] = [
  ["supervisor.getAPIVersion", m({ signature: ["string"], need: "read", help: "Return the version of the RPC API used by supervisord", run: async () => API_VERSION })],
  ["supervisor.getSupervisorVersion", m({ signature: ["string"], need: "read", help: "Return the version of tsvisor", run: async (_, ctx) => resultOf(await ctx.call({ op: "version" })).version })],
  ["supervisor.getIdentification", m({ signature: ["string"], need: "read", help: "Return identifying string of supervisord", run: async () => IDENTIFICATION })],
  ["supervisor.getState", m({ signature: ["struct"], need: "read", whileStopping: true, help: "Return current state of supervisord as a struct",
    run: async (_, ctx) => (ctx.shuttingDown() ? { statecode: -1, statename: "SHUTDOWN" } : { statecode: 1, statename: "RUNNING" }) })],
  ["supervisor.getPID", m({ signature: ["int"], need: "read", help: "Return the PID of supervisord", run: async (_, ctx) => resultOf(await ctx.call({ op: "version" })).pid })],
  ["supervisor.readLog", m({ signature: ["string", "int", "int"], need: "output", help: "Read length bytes from the main log starting at offset",
    run: (p, ctx) => readLog(null, "stdout", int(p[0]!), int(p[1]!), ctx) })],
  ["supervisor.clearLog", m({ signature: ["boolean"], need: "action", help: "Clear the main log.", run: (_, ctx) => clearLogs(null, ctx) })],
  ["supervisor.shutdown", m({ signature: ["boolean"], need: "action", help: "Shut down the supervisor process",
    run: async (_, ctx) => (resultOf(await ctx.call({ op: "shutdown" })), true) })],
  ["supervisor.restart", m({ signature: ["boolean"], need: "action", help: "Reload the config and apply it (tsvisor does not re-execute itself)",
    run: async (_, ctx) => (resultOf(await ctx.call({ op: "reload" })), true) })],
  ["supervisor.reloadConfig", m({ signature: ["array"], need: "action", help: "Reload the configuration.\n\n@return array result  [[added, changed, removed]]",
    run: async (_, ctx) => {
      const { added, changed, removed } = resultOf(await ctx.call({ op: "reread" }));
      return [[added, changed, removed]];
    } })],
  ["supervisor.addProcessGroup", m({ signature: ["boolean", "string"], need: "action", help: "Update the config for a running process from config file.",
    run: async (p, ctx) => (resultOf(await ctx.call({ op: "add_group", name: str(p[0]!) }), str(p[0]!)), true) })],
  ["supervisor.removeProcessGroup", m({ signature: ["boolean", "string"], need: "action", help: "Remove a stopped process from the active configuration.",
    run: async (p, ctx) => (resultOf(await ctx.call({ op: "remove_group", name: str(p[0]!) }), str(p[0]!)), true) })],
  ["supervisor.startProcess", m({ signature: ["boolean", "string", "boolean"], optional: 1, need: "action", help: "Start a process",
    run: (p, ctx) => oneProcess("start", str(p[0]!), flag(p[1]), ctx) })],
  ["supervisor.startProcessGroup", m({ signature: ["array", "string", "boolean"], optional: 1, need: "action", help: "Start all processes in the group named 'name'",
    run: (p, ctx) => manyProcesses("start", str(p[0]!), flag(p[1]), ctx) })],
  ["supervisor.startAllProcesses", m({ signature: ["array", "boolean"], optional: 1, need: "action", help: "Start all processes listed in the configuration file",
    run: (p, ctx) => manyProcesses("start", null, flag(p[0]), ctx) })],
  ["supervisor.stopProcess", m({ signature: ["boolean", "string", "boolean"], optional: 1, need: "action", help: "Stop a process named by name",
    run: (p, ctx) => oneProcess("stop", str(p[0]!), flag(p[1]), ctx) })],
  ["supervisor.stopProcessGroup", m({ signature: ["array", "string", "boolean"], optional: 1, need: "action", help: "Stop all processes in the process group named 'name'",
    run: (p, ctx) => manyProcesses("stop", str(p[0]!), flag(p[1]), ctx) })],
  ["supervisor.stopAllProcesses", m({ signature: ["array", "boolean"], optional: 1, need: "action", help: "Stop all processes in the process list",
    run: (p, ctx) => manyProcesses("stop", null, flag(p[0]), ctx) })],
  ["supervisor.signalProcess", m({ signature: ["boolean", "string", "string"], need: "action", help: "Send an arbitrary UNIX signal to the process named by name",
    run: (p, ctx) => signal(str(p[0]!), str(p[1]!), ctx) })],
  ["supervisor.signalProcessGroup", m({ signature: ["array", "string", "string"], need: "action", help: "Send a signal to all processes in the group named 'name'",
    run: (p, ctx) => signal(`${str(p[0]!)}:*`, str(p[1]!), ctx) })],
  ["supervisor.signalAllProcesses", m({ signature: ["array", "string"], need: "action", help: "Send a signal to all processes in the process list",
    run: (p, ctx) => signal(null, str(p[0]!), ctx) })],
  ["supervisor.getProcessInfo", m({ signature: ["struct", "string"], need: "read", help: "Get info about a process named name", run: (p, ctx) => processInfoOf(str(p[0]!), ctx) })],
  ["supervisor.getAllProcessInfo", m({ signature: ["array"], need: "read", help: "Get info about all processes",
    run: async (_, ctx) => {
      const order = (a: ProcessStatus, b: ProcessStatus) => (a.group < b.group ? -1 : a.group > b.group ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
      const now = ctx.now();
      return (await statusOf(ctx)).sort(order).map((p) => processInfo(p, ctx.logPaths(p.name), now));
    } })],
  ["supervisor.getAllConfigInfo", m({ signature: ["array"], need: "read", help: "Get info about all available process configurations.",
    run: async (_, ctx) => resultOf(await ctx.call({ op: "config_info" })).processes.map(configInfoStruct) })],
  ["supervisor.readProcessStdoutLog", m({ signature: ["string", "string", "int", "int"], need: "output", help: "Read length bytes from name's stdout log starting at offset",
    run: (p, ctx) => readLog(str(p[0]!), "stdout", int(p[1]!), int(p[2]!), ctx) })],
  ["supervisor.readProcessStderrLog", m({ signature: ["string", "string", "int", "int"], need: "output", help: "Read length bytes from name's stderr log starting at offset",
    run: (p, ctx) => readLog(str(p[0]!), "stderr", int(p[1]!), int(p[2]!), ctx) })],
  ["supervisor.tailProcessStdoutLog", m({ signature: ["array", "string", "int", "int"], need: "output", help: "Tail the (stdout) log: [string bytes, int offset, bool overflow]",
    run: (p, ctx) => tailLog(str(p[0]!), "stdout", int(p[1]!), int(p[2]!), ctx) })],
  ["supervisor.tailProcessStderrLog", m({ signature: ["array", "string", "int", "int"], need: "output", help: "Tail the (stderr) log: [string bytes, int offset, bool overflow]",
    run: (p, ctx) => tailLog(str(p[0]!), "stderr", int(p[1]!), int(p[2]!), ctx) })],
  ["supervisor.clearProcessLogs", m({ signature: ["boolean", "string"], need: "action", help: "Clear the stdout and stderr logs for the named process and reopen them.",
    run: (p, ctx) => clearLogs(str(p[0]!), ctx) })],
  ["supervisor.clearAllProcessLogs", m({ signature: ["array"], need: "action", help: "Clear all process log files",
    run: async (_, ctx) => {
      const results: XmlRpcStruct[] = [];
      for (const p of await statusOf(ctx)) {
        const response = await ctx.call({ op: "clear_log", name: `${p.group}:${p.name}` });
        const fault = response.ok ? null : new RpcFault("FAILED", makeNamespec(p.group, p.name));
        results.push({ name: p.name, group: p.group, status: fault?.code ?? FAULTS.SUCCESS, description: fault?.message ?? "OK" });
      }
      return results;
    } })],
  ["supervisor.sendProcessStdin", m({ signature: ["boolean", "string", "string"], need: "action", help: "Send a string of chars to the stdin of the process name (tsvisor: never possible)",
    run: async (p, ctx) => {
      const target = protocolName(str(p[0]!));
      if (target.process === null) throw new RpcFault("BAD_NAME", str(p[0]!));
      const [status] = await statusOf(ctx, [target.name]);
      if (status!.pid === null || status!.state === "STOPPING") throw new RpcFault("NOT_RUNNING", str(p[0]!));
      // A program's stdin is /dev/null under tsvisor (os/spawn.ts): nothing reads what would be sent.
      throw new RpcFault("NO_FILE", `${str(p[0]!)} (tsvisor gives programs /dev/null as stdin)`);
    } })],
  ["supervisor.sendRemoteCommEvent", m({ signature: ["boolean", "string", "string"], need: "action", whileStopping: true, help: "Send an event that will be received by event listener subprocesses subscribing to the RemoteCommunicationEvent.",
    run: async (p, ctx) => (resultOf(await ctx.call({ op: "remote_event", type: str(p[0]!), data: str(p[1]!) })), true) })],
  ["system.listMethods", m({ signature: ["array"], need: "read", help: "Return an array listing the available method names", run: async () => [...METHODS.keys()].sort() })],
  ["system.methodHelp", m({ signature: ["string", "string"], need: "read", help: "Return a string showing the method's documentation",
    run: async (p) => {
      const method = METHODS.get(str(p[0]!));
      if (method === undefined) throw new RpcFault("SIGNATURE_UNSUPPORTED");
      return method.help;
    } })],
  ["system.methodSignature", m({ signature: ["array", "string"], need: "read", help: "Return an array describing the method signature in the form [rtype, ptype, ptype...]",
    run: async (p) => {
      const method = METHODS.get(str(p[0]!));
      if (method === undefined) throw new RpcFault("SIGNATURE_UNSUPPORTED");
      return method.signature;
    } })],
  ["system.multicall", m({ signature: ["array", "array"], need: "read", help: "Process an array of calls, and return an array of results.", run: (p, ctx) => multicall(p[0] as XmlRpcValue[], ctx) })],
];

const ALIASES: [string, string][] = [
  ["supervisor.getVersion", "supervisor.getAPIVersion"],
  ["supervisor.readMainLog", "supervisor.readLog"],
  ["supervisor.readProcessLog", "supervisor.readProcessStdoutLog"],
  ["supervisor.tailProcessLog", "supervisor.tailProcessStdoutLog"],
  ["supervisor.clearProcessLog", "supervisor.clearProcessLogs"],
];

// A Map, so that a method name from a client ("constructor", "__proto__") finds nothing it should not.
const METHODS: ReadonlyMap<string, Method> = new Map([...TABLE, ...ALIASES.map(([alias, of]): [string, Method] => [alias, TABLE.find(([n]) => n === of)![1]])]);

// Each call in turn; a Fault becomes {faultCode, faultString} in its place and the rest go on. A value
// is put in the list as it is, not in a one-item array as the multicall convention has it: supervisord
// does so (xmlrpc.py multi()), and its clients read it so.
async function multicall(calls: XmlRpcValue[], ctx: RpcContext): Promise<XmlRpcValue> {
  if (calls.length > MAX_MULTICALL) throw new RpcFault("INCORRECT_PARAMETERS", `at most ${MAX_MULTICALL} calls`);
  const results: XmlRpcValue[] = [];
  let answerBytes = 0;
  for (const call of calls) {
    if (answerBytes > MAX_MULTICALL_ANSWER_BYTES) {
      results.push({ faultCode: FAULTS.FAILED, faultString: `FAILED: not run: the answers before it came to more than ${MAX_MULTICALL_ANSWER_BYTES / 1024 / 1024} MiB; ask in smaller multicalls` });
      continue;
    }
    const name = call instanceof Map ? call.get("methodName") : undefined;
    const params = call instanceof Map ? call.get("params") ?? [] : [];
    let result: CallResult;
    if (typeof name !== "string") result = { fault: { code: FAULTS.INCORRECT_PARAMETERS, text: "INCORRECT_PARAMETERS: No methodName" } };
    else if (name === "system.multicall") result = { fault: { code: FAULTS.INCORRECT_PARAMETERS, text: "INCORRECT_PARAMETERS: Recursive system.multicall forbidden" } };
    else if (!Array.isArray(params)) result = { fault: { code: FAULTS.INCORRECT_PARAMETERS, text: "INCORRECT_PARAMETERS" } };
    else result = await callMethod({ method: name, params }, ctx);
    const answer = encodeValue("value" in result ? result.value : { faultCode: result.fault.code, faultString: result.fault.text });
    answerBytes += answer.length;
    results.push(new EncodedValue(answer));
  }
  return results;
}
