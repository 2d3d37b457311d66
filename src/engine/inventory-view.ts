// What the engine needs from the inventory: host selection and each host's variables.

export type Vars = Record<string, unknown>;

export interface InventoryView {
  /** Hosts matching an Ansible host pattern, in inventory order. */
  select(pattern: string): string[];
  /** The host's variables merged with Ansible's inventory precedence. */
  hostVars(host: string): Vars;
  /** Groups the host belongs to (without `all`), sorted, as Ansible's `group_names`. */
  groupNames(host: string): string[];
  /** Every group with its hosts, as Ansible's `groups` magic variable. */
  groups(): Record<string, string[]>;
}
