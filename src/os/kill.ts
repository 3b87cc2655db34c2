import { signalNumber } from "./signals.ts";

// Send a signal to a process or to its whole process group; a process that is already gone is not an error.
export function sendSignal(pid: number, signal: string, toGroup: boolean): boolean {
  try {
    // Children lead their own group (spawn.ts sets a new session), so -pid names that group. By
    // number: Bun's process.kill knows no name for STKFLT or the real-time signals.
    process.kill(toGroup ? -pid : pid, signalNumber(signal));
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === "ESRCH") return false;
    throw error;
  }
}
