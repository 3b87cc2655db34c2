import { processCommand } from "./_process-command.ts";

// `tsvisor start NAME...`: waits until each is RUNNING, or says why it is not (supervisorctl start).
export default processCommand("start", "Start processes and wait until they are RUNNING");
