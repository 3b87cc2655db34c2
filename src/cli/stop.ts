import { processCommand } from "./_process-command.ts";

// `tsvisor stop NAME...`: stopped by hand, `check` no longer expects them up (supervisorctl stop).
export default processCommand("stop", "Stop processes and wait until they are STOPPED");
