// Whether an installed system's Ignition makes it a cluster worker (pure): a pointer config that
// merges the machine config server's `/config/worker`, as secret worker-user-data-managed holds.
// Such a host goes through its first boot and OS-image pivot, then starts its kubelet.

import { parseDataUrl } from '../../coreos/data-url.js';
import { QUICK_MS_PER_SECOND } from './kubelet.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Also through configs merged from data: URLs (a config that wraps the pointer), a few levels deep. */
export function isWorkerPointer(ignition: Buffer | undefined, depth = 0): boolean {
  if (!ignition || depth > 3) return false;
  let config: unknown;
  try {
    config = JSON.parse(ignition.toString('utf8'));
  } catch {
    return false;
  }
  const ign = isObj(config) && isObj(config.ignition) ? config.ignition : {};
  const cfg = isObj(ign.config) ? ign.config : {};
  const sources = [...(Array.isArray(cfg.merge) ? cfg.merge : []), ...(isObj(cfg.replace) ? [cfg.replace] : [])];
  return sources.some((s) => {
    if (!isObj(s) || typeof s.source !== 'string') return false;
    if (/\/config\/worker$/.test(s.source)) return true;
    if (!s.source.startsWith('data:')) return false;
    try {
      return isWorkerPointer(parseDataUrl(s.source).data, depth + 1);
    } catch {
      return false;
    }
  });
}

/** A worker's path from its first disk boot to its kubelet, in lab ms (lab-timing.md rows 8-10). */
export interface JoinTiming {
  /** First boot: Ignition, then the machine-config daemon pulls the cluster's OS image (real ~180 s). */
  firstBootMs: number;
  /** The pivot reboot and POST #3 (real ~250 s). */
  pivotRebootMs: number;
  /** Boot until the kubelet files its client CSR (real ~60 s). */
  kubeletStartMs: number;
}

export const QUICK_JOIN: JoinTiming = {
  firstBootMs: Math.round(180 * QUICK_MS_PER_SECOND),
  pivotRebootMs: Math.round(250 * QUICK_MS_PER_SECOND),
  kubeletStartMs: Math.round(60 * QUICK_MS_PER_SECOND),
};
