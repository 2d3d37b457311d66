// Which hosts a lab has and where they listen: names `node-001`… and one loopback address each.

export interface HostPlan {
  name: string;
  address: string;
}

/** Loopback addresses 127.10.0.1 … 127.10.255.250 (never 127.0.0.1): 250 per third octet. */
export const MAX_LAB_HOSTS = 250 * 256;

export function hostAddress(index: number): string {
  return `127.10.${Math.floor(index / 250)}.${(index % 250) + 1}`;
}

export function planHosts(count: number, prefix = 'node'): HostPlan[] {
  const width = Math.max(3, String(count).length);
  return Array.from({ length: count }, (_, i) => ({
    name: `${prefix}-${String(i + 1).padStart(width, '0')}`,
    address: hostAddress(i),
  }));
}
