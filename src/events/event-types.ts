// The names of event types, in a leaf (it imports nothing) so that config/ can check `on` and
// `events` against them without importing the rest of events/.

/** Every event type tsvisor emits. */
export const EVENT_TYPES = [
  "PROCESS_STATE_STOPPED", "PROCESS_STATE_STARTING", "PROCESS_STATE_RUNNING", "PROCESS_STATE_BACKOFF",
  "PROCESS_STATE_STOPPING", "PROCESS_STATE_EXITED", "PROCESS_STATE_FATAL", "PROCESS_STATE_UNKNOWN",
  "SUPERVISOR_STATE_CHANGE_RUNNING", "SUPERVISOR_STATE_CHANGE_STOPPING",
  "HEALTH_HEALTHY", "HEALTH_UNHEALTHY",
  "PROCESS_LOG_STDOUT", "PROCESS_LOG_STDERR",
  "PROCESS_GROUP_ADDED", "PROCESS_GROUP_REMOVED",
  "REMOTE_COMMUNICATION",
  "TICK_5", "TICK_60", "TICK_3600",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * Names that stand for several types in `on`, `events` and `--type` (supervisord's PROCESS_STATE and
 * SUPERVISOR_STATE_CHANGE). A Map, because the names it is asked about come from configs and
 * requests: on a plain object "constructor" or "__proto__" would find Object.prototype's.
 */
export const EVENT_CLASSES: ReadonlyMap<string, readonly EventType[]> = new Map<string, readonly EventType[]>([
  ["PROCESS_STATE", EVENT_TYPES.filter((t) => t.startsWith("PROCESS_STATE_"))],
  ["SUPERVISOR_STATE_CHANGE", ["SUPERVISOR_STATE_CHANGE_RUNNING", "SUPERVISOR_STATE_CHANGE_STOPPING"]],
  ["HEALTH", ["HEALTH_HEALTHY", "HEALTH_UNHEALTHY"]],
  ["PROCESS_LOG", ["PROCESS_LOG_STDOUT", "PROCESS_LOG_STDERR"]],
  ["PROCESS_GROUP", ["PROCESS_GROUP_ADDED", "PROCESS_GROUP_REMOVED"]],
  ["TICK", ["TICK_5", "TICK_60", "TICK_3600"]],
  ["EVENT", EVENT_TYPES],
]);

/** Every name `on`, `events` and `types` accept: the types, then the classes. */
export const EVENT_NAMES: readonly string[] = [...EVENT_TYPES, ...EVENT_CLASSES.keys()];

/** What a reader gets when it names no type: every type but the ticks, which would drown the rest (one every 5 s). */
export const UNNAMED_DEFAULT_TYPES: readonly EventType[] = EVENT_TYPES.filter((t) => !t.startsWith("TICK_"));

/** The periods of supervisord's TICK_N events, in seconds. */
export const TICK_PERIODS = [5, 60, 3600] as const;

// "PROCESS_STATE" / "PROCESS_STATE_FATAL" / "EVENT" -> the types they stand for; null for any other name.
export function expandEventName(name: string): readonly EventType[] | null {
  if ((EVENT_TYPES as readonly string[]).includes(name)) return [name as EventType];
  return EVENT_CLASSES.get(name) ?? null;
}

