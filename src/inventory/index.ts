// The inventory subsystem's public API.

export type { Inventory, InventoryGroup, InventoryHost, Vars } from './types.js';
export { loadInventory, checkInventory, type InventoryCheck } from './load.js';
export { hostVars, groupVars, sortGroups, groupDepth, hostGroupsInOrder } from './vars.js';
export { selectHosts, applyLimit, splitPattern, type HostSelection } from './patterns.js';
export { groupMembers } from './group-members.js';
export { toAnsibleList, formatAnsibleList, withoutInternal, INTERNAL_VARS, type AnsibleList } from './ansible-list.js';
export { toGraph } from './graph.js';
export { expandHostRange, expandHostKey, parseHostAddress } from './host-range.js';
export { VARS_SCHEMA, YAML_INVENTORY_SCHEMA, VAR_PROPERTIES } from './schema.js';
