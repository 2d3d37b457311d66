// The inventory as fleetboot holds it after loading: Ansible's model of hosts, groups and
// variables, with where each thing was defined kept for error messages.

import type { SourcePos } from '../core/errors.js';

export type Vars = Record<string, unknown>;

export interface InventoryHost {
  name: string;
  /** Variables set on the host itself (inventory file, then host_vars/). */
  vars: Vars;
  /** Every group the host belongs to, directly or through children, `all` included. */
  groups: string[];
  pos?: SourcePos;
  /**
   * Only the variables from inventory files (`vars` without host_vars/). Precedence needs the
   * layers apart; when absent, `vars` is taken as this layer.
   */
  inventoryVars?: Vars;
  /** host_vars/ beside each inventory source: index i belongs to `Inventory.sources[i]`. */
  dirVars?: (Vars | undefined)[];
}

export interface InventoryGroup {
  name: string;
  /** Hosts listed directly in the group. */
  hosts: string[];
  children: string[];
  /** Variables set on the group (inventory file, then group_vars/). */
  vars: Vars;
  pos?: SourcePos;
  /** Parent groups, in the order the edges were made (`all` for top-level groups). */
  parents?: string[];
  /** `ansible_group_priority` as an inventory file set it (Ansible's default is 1). */
  priority?: number;
  /** Only the variables from inventory files (`vars` without group_vars/); see InventoryHost. */
  inventoryVars?: Vars;
  /** group_vars/ beside each inventory source: index i belongs to `Inventory.sources[i]`. */
  dirVars?: (Vars | undefined)[];
}

export interface Inventory {
  /** The files and directories it was loaded from. */
  sources: string[];
  /** In the order Ansible lists them (order of first appearance). */
  hosts: Map<string, InventoryHost>;
  groups: Map<string, InventoryGroup>;
  /** Things Ansible accepts silently but an operator likely wants to know (one line each). */
  warnings?: string[];
}
