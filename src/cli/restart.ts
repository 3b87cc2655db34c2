import { processCommand } from "./_process-command.ts";

// `tsvisor restart NAME...`: stop what runs, then start all of them (supervisorctl restart).
export default processCommand("restart", "Stop then start processes, and wait until they are RUNNING");
