// Which hosts a lab has and where they listen: names `node-001`… and one loopback address each for
// the host (SSH, its node IP) and one for its BMC, as a data center puts BMCs on a management network.

export interface HostPlan {
  name: string;
  address: string;
  /** The BMC's own address (127.20.x.y for host 127.10.x.y): never the node's address. */
  bmcAddress: string;
}

/** Loopback addresses 127.10.0.1 … 127.10.255.250 (never 127.0.0.1): 250 per third octet. */
export const MAX_LAB_HOSTS = 250 * 256;

export function hostAddress(index: number): string {
  return `127.10.${Math.floor(index / 250)}.${(index % 250) + 1}`;
}

/** BMC addresses 127.20.x.y beside the hosts' 127.10.x.y. */
export function bmcAddress(index: number): string {
  return `127.20.${Math.floor(index / 250)}.${(index % 250) + 1}`;
}

export function planHosts(count: number, prefix = 'node'): HostPlan[] {
  const width = Math.max(3, String(count).length);
  return Array.from({ length: count }, (_, i) => ({
    name: `${prefix}-${String(i + 1).padStart(width, '0')}`,
    address: hostAddress(i),
    bmcAddress: bmcAddress(i),
  }));
}
