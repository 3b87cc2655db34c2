// How much a config may ask for. Each bound is far past any real config and short of the point where
// tsvisor, the runtime or the kernel would fail later in a confusing way (README "Limits"): a value
// past one is a config error with the bound in the message, never a crash, a hang or a surprise at run time.

/**
 * Processes in one config, all programs' numprocs together: ten times the 1,000 programs tsvisor is
 * built and measured for. Each process holds two pipes, up to two log files and its timers; past
 * this, several tsvisors (one per container) serve better than one.
 */
export const MAX_PROCESSES = 10_000;

/** [[hooks]] tables in one config: each event is matched against every one. */
export const MAX_HOOKS = 1_000;

/** [eventlisteners.NAME] tables in one config: each is a process of its own that every event it subscribes to is written to. */
export const MAX_EVENT_LISTENERS = 1_000;

/** Highest numprocs_start: instance numbers stay exact 32-bit integers (TSVISOR_PROCESS_NUM is read by shells and C programs). */
export const MAX_NUMPROCS_START = 2 ** 31 - 1;

/**
 * Longest duration, in seconds: 100 years. A timer longer than a JavaScript timer holds ((2^31 - 1)
 * ms, 24.8 days) is chained (os/long-timer.ts), so any length works as written; the bound keeps the
 * milliseconds exact integers in every computation and refuses what can only be a typo.
 */
export const MAX_DURATION_SECONDS = 100 * 365 * 24 * 3600;

/** Largest size in bytes (8 PiB): sizes stay exact integers in every computation. */
export const MAX_SIZE_BYTES = Number.MAX_SAFE_INTEGER;

/**
 * Bytes of config text, all files together (the main file and every include). A config for 1,000
 * programs is a few hundred KiB; this leaves room for long environment values, and keeps what
 * `config check` reads, parses and echoes small: the worst 4 MiB (hundreds of thousands of one-line
 * keys) takes seconds and about 300 MiB to refuse (docs/security.md "Config input").
 */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** Files one config may read, the main file and its includes: one per program for 1,000 programs, ten times over. */
export const MAX_CONFIG_FILES = 10_000;

/**
 * Levels of tables, arrays and dotted keys in one value. tsvisor's own go four deep
 * (programs.web.healthcheck.command), so anything past this is a mistake, and refusing it keeps
 * every later walk over the parsed tables short.
 */
export const MAX_NESTING = 32;

/**
 * Longest single argument or environment entry ("NAME=value"), in bytes: Linux's MAX_ARG_STRLEN
 * (32 pages of 4 KiB, less the terminating NUL). A longer one makes exec fail with E2BIG.
 */
export const MAX_ARG_BYTES = 32 * 4096 - 1;
