// Which modules exist and under which names: `command`, `ansible.builtin.command` and
// `ansible.legacy.command` all name the same module, as in Ansible.

import { assertModule } from './assert.js';
import { commandModule } from './command.js';
import type { ModuleSpec } from './contract.js';
import { copyModule } from './copy.js';
import { debugModule } from './debug.js';
import { failModule } from './fail.js';
import { pauseModule } from './pause.js';
import { setFactModule } from './set-fact.js';
import { shellModule } from './shell.js';
import { templateModule } from './template.js';
import { waitForConnectionModule } from './wait-for-connection.js';
import { redfishBootModule } from './redfish-boot.js';
import { redfishInfoModule } from './redfish-info.js';
import { redfishPowerModule } from './redfish-power.js';
import { redfishVirtualMediaModule } from './redfish-virtual-media.js';
import { coreosIgnitionModule } from './coreos-ignition.js';
import { coreosInstallModule } from './coreos-install.js';
import { coreosLiveIsoModule } from './coreos-live-iso.js';
import { clusterWorkerIgnitionModule } from './cluster-worker-ignition.js';
import { clusterBootImagesModule } from './cluster-boot-images.js';
import { clusterPreflightModule } from './cluster-preflight.js';
import { clusterJoinModule } from './cluster-join.js';

// Each spec is typed by its own arguments; the registry holds them by their common shape.
type AnySpec = ModuleSpec<never>;

const BUILTIN: AnySpec[] = [
  commandModule,
  shellModule,
  copyModule,
  templateModule,
  waitForConnectionModule,
  debugModule,
  assertModule,
  failModule,
  setFactModule,
  pauseModule,
  redfishVirtualMediaModule,
  redfishBootModule,
  redfishPowerModule,
  redfishInfoModule,
  coreosIgnitionModule,
  coreosLiveIsoModule,
  coreosInstallModule,
  clusterWorkerIgnitionModule,
  clusterBootImagesModule,
  clusterPreflightModule,
  clusterJoinModule,
];

const PREFIXES = ['ansible.builtin.', 'ansible.legacy.'];

export class ModuleRegistry {
  private readonly byName = new Map<string, AnySpec>();

  constructor(specs: AnySpec[] = BUILTIN) {
    for (const spec of specs) this.add(spec);
  }

  add(spec: AnySpec): void {
    this.byName.set(spec.name, spec);
    if (!spec.name.includes('.')) for (const p of PREFIXES) this.byName.set(p + spec.name, spec);
    for (const alias of spec.aliases ?? []) this.byName.set(alias, spec);
  }

  get(name: string): ModuleSpec<Record<string, unknown>> | undefined {
    return this.byName.get(name) as ModuleSpec<Record<string, unknown>> | undefined;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}
