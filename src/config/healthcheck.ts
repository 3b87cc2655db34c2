// `[programs.NAME.healthcheck]` -> HealthCheckConfig: exactly one probe (http, tcp or command) and
// the timing keys, each converted like any other value; the first problem is thrown as a ValueError
// whose path names the key below `healthcheck`.
import { HEALTHCHECK_DEFAULTS } from "./defaults.ts";
import type { HealthCheckConfig, HealthProbe } from "./schema.ts";
import { didYouMean } from "./suggest.ts";
import { ValueError, show } from "./value-error.ts";
import * as values from "./values.ts";

const PROBES = ["http", "tcp", "command"] as const;
const TIMING_KEYS = ["interval", "timeout", "retries", "start_period", "on_unhealthy"] as const;
const KEYS: readonly string[] = [...PROBES, ...TIMING_KEYS];

// The table as written -> the resolved check.
export function healthcheck(value: unknown): HealthCheckConfig {
  const table = values.table(value);
  for (const key of Object.keys(table)) {
    if (!KEYS.includes(key)) {
      const suggestion = didYouMean(key, KEYS);
      throw new ValueError(`unknown key ${show(key)}${suggestion || `; allowed: ${KEYS.join(" ")}`}`, { path: [key] });
    }
  }
  const probes = PROBES.filter((p) => Object.hasOwn(table, p));
  if (probes.length !== 1) {
    throw new ValueError(`expected exactly one probe (http, tcp or command); got ${probes.length === 0 ? "none" : probes.join(" and ")}`, {
      hint: 'e.g. http = "http://127.0.0.1:8080/health", tcp = "127.0.0.1:5432" or command = ["pg_isready"]',
    });
  }
  const probeKey = probes[0]!;
  return {
    probe: under(probeKey, () => probe(probeKey, table[probeKey])),
    interval: under("interval", () => positive(table.interval, HEALTHCHECK_DEFAULTS.interval)),
    timeout: under("timeout", () => positive(table.timeout, HEALTHCHECK_DEFAULTS.timeout)),
    retries: under("retries", () => (table.retries === undefined ? HEALTHCHECK_DEFAULTS.retries : values.integer(table.retries, 1))),
    start_period: under("start_period", () => (table.start_period === undefined ? HEALTHCHECK_DEFAULTS.start_period : values.duration(table.start_period))),
    on_unhealthy: under("on_unhealthy", () => onUnhealthy(table.on_unhealthy)),
  };
}

function probe(key: (typeof PROBES)[number], value: unknown): HealthProbe {
  switch (key) {
    case "http": return { type: "http", url: httpUrl(value) };
    case "tcp": return { type: "tcp", ...values.hostPort(value) };
    case "command": return { type: "command", argv: values.command(value) };
    default: return key satisfies never;
  }
}

function httpUrl(value: unknown): string {
  const text = values.text(value);
  if (/^https?:\/\/[^/]/.test(text) && URL.canParse(text)) return text;
  throw new ValueError(`expected an http:// or https:// URL, e.g. "http://127.0.0.1:8080/health"; got ${show(value)}`);
}

function positive(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const seconds = values.duration(value);
  if (seconds > 0) return seconds;
  throw new ValueError(`expected a duration above 0; got ${show(value)}`);
}

function onUnhealthy(value: unknown): HealthCheckConfig["on_unhealthy"] {
  if (value === undefined) return HEALTHCHECK_DEFAULTS.on_unhealthy;
  if (value === "report" || value === "restart") return value;
  throw new ValueError(`expected "report" or "restart"; got ${show(value)}`);
}

// Run a converter, putting its error below `key`.
function under<T>(key: string, convert: () => T): T {
  try {
    return convert();
  } catch (error) {
    if (error instanceof ValueError) throw new ValueError(error.message, { path: [key, ...error.path], ...(error.hint ? { hint: error.hint } : {}) });
    throw error;
  }
}
