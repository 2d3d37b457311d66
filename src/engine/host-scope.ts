// A host's variables during a run, layered as Ansible's precedence lists them (lowest first):
// inventory (already merged) < play vars < vars_files < task vars < set_fact / registered
// < extra vars; magic variables are set by fleetboot and cannot be overridden.

import type { Vars } from './templating.js';

export interface PlayLayer {
  vars: Vars;
  varsFiles: Vars;
}

export class HostScope {
  /** set_fact results and registered task results, for the rest of the run. */
  readonly facts: Vars = {};

  constructor(
    readonly host: string,
    private readonly inventoryVars: Vars,
    private readonly magic: Vars,
    private readonly extraVars: Vars,
  ) {}

  setFacts(values: Vars): void {
    Object.assign(this.facts, values);
  }

  /** The variables a task sees (a fresh flat object: cheap at tens of keys, and never shared). */
  varsFor(play: PlayLayer, taskVars: Vars | undefined, playMagic: Vars, extra?: Vars): Vars {
    return {
      ...this.inventoryVars,
      ...play.vars,
      ...play.varsFiles,
      ...taskVars,
      ...this.facts,
      ...extra,
      ...this.extraVars,
      ...this.magic,
      ...playMagic,
    };
  }

  /** What other hosts see through `hostvars[<this host>]`. */
  visibleVars(): Vars {
    return { ...this.inventoryVars, ...this.facts, ...this.extraVars, ...this.magic };
  }
}
