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
}

export interface InventoryGroup {
  name: string;
  /** Hosts listed directly in the group. */
  hosts: string[];
  children: string[];
  /** Variables set on the group (inventory file, then group_vars/). */
  vars: Vars;
  pos?: SourcePos;
}

export interface Inventory {
  /** The files and directories it was loaded from. */
  sources: string[];
  /** In the order Ansible lists them (order of first appearance). */
  hosts: Map<string, InventoryHost>;
  groups: Map<string, InventoryGroup>;
}
