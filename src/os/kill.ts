// Send a signal to a process or to its whole process group; a process that is already gone is not an error.
export function sendSignal(pid: number, signal: string, toGroup: boolean): boolean {
  try {
    // Children lead their own group (spawn.ts sets a new session), so -pid names that group.
    process.kill(toGroup ? -pid : pid, `SIG${signal}` as NodeJS.Signals);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === "ESRCH") return false;
    throw error;
  }
}
