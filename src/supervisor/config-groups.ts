// supervisorctl's reread / add / remove / update: the config read last is kept apart from what is
// supervised, and groups (a process's `group`) move from one to the other one at a time, as
// supervisord's process_group_configs and process_groups do. A full reload (SIGHUP, `tsvisor reload`)
// applies everything at once and says so here.
import type { Config, ProcessSpec } from "../config/schema.ts";
import { diffGroups, type GroupDiff } from "./reload-diff.ts";
import { STOPPED_STATES } from "./states.ts";
import type { Supervisor } from "./supervisor.ts";

export type GroupChange = { ok: true; processes: string[] } | { ok: false; fault: "NO_SUCH_GROUP" | "ALREADY_ADDED" | "STILL_RUNNING" };

export interface ConfigGroupsOptions {
  /** Read the config file again; throws TsvisorError (CONFIG_INVALID) when it does not load. */
  load: () => Config;
  /** A group began or ceased to be supervised (PROCESS_GROUP_ADDED / _REMOVED). */
  onGroup: (change: "added" | "removed", group: string) => void;
}

export class ConfigGroups {
  private known: Config;
  // one change at a time: an add racing a remove of the same group must see the other's result
  private queue: Promise<unknown> = Promise.resolve();

  constructor(initial: Config, private readonly supervisor: Supervisor, private readonly options: ConfigGroupsOptions) {
    this.known = initial;
  }

  /** The processes of the config read last (at start, reread or reload). */
  knownProcesses(): readonly ProcessSpec[] {
    return this.known.processes;
  }

  /** Read the config again and keep it for add(); nothing changes in what is supervised. */
  reread(): GroupDiff {
    this.known = this.options.load();
    return diffGroups(this.supervisor.specs(), this.known.processes);
  }

  /** Supervise the group `name` of the config read last (its autostart processes start). */
  add(name: string): Promise<GroupChange> {
    return this.serially(async () => {
      const active = this.supervisor.specs();
      if (active.some((spec) => spec.group === name)) return { ok: false, fault: "ALREADY_ADDED" };
      const joining = this.known.processes.filter((spec) => spec.group === name);
      if (joining.length === 0) return { ok: false, fault: "NO_SUCH_GROUP" };
      await this.supervisor.applyConfig({ ...this.known, processes: [...active, ...joining] });
      this.options.onGroup("added", name);
      return { ok: true, processes: joining.map((spec) => spec.name) };
    });
  }

  /** Stop supervising the group `name`, whose processes must all be stopped already. */
  remove(name: string): Promise<GroupChange> {
    return this.serially(async () => {
      const active = this.supervisor.specs();
      const leaving = active.filter((spec) => spec.group === name);
      if (leaving.length === 0) return { ok: false, fault: "NO_SUCH_GROUP" };
      const states = this.supervisor.view(leaving.map((spec) => spec.name)).map((v) => v.record.state);
      if (!states.every((state) => STOPPED_STATES.includes(state))) return { ok: false, fault: "STILL_RUNNING" };
      await this.supervisor.applyConfig({ ...this.known, processes: active.filter((spec) => spec.group !== name) });
      this.options.onGroup("removed", name);
      return { ok: true, processes: leaving.map((spec) => spec.name) };
    });
  }

  /** A full reload applied `config`: it is the config read last, and its new and gone groups are told. */
  reloaded(config: Config, before: readonly ProcessSpec[]): void {
    this.known = config;
    const diff = diffGroups(before, config.processes);
    for (const group of diff.removed) this.options.onGroup("removed", group);
    for (const group of diff.added) this.options.onGroup("added", group);
  }

  private serially<T>(change: () => Promise<T>): Promise<T> {
    const run = this.queue.then(change);
    this.queue = run.catch(() => {});
    return run;
  }
}
