// Shared by the cluster module tests: the lab inventory's hosts and a run's ClusterService over them.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { TransportEvent } from '../../src/core/events.js';
import { ClusterService } from '../../src/engine/cluster-service.js';
import type { LabState } from '../../src/lab/control.js';

type Vars = Record<string, unknown>;
const isVars = (v: unknown): v is Vars => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The lab inventory's hosts with their merged (group + host) variables. */
export function labHostVars(lab: LabState): Map<string, Vars> {
  const doc: unknown = parse(readFileSync(lab.inventory, 'utf8'));
  const group = isVars(doc) && isVars(doc.all) && isVars(doc.all.children) ? doc.all.children.lab : undefined;
  assert.ok(isVars(group) && isVars(group.hosts) && isVars(group.vars));
  const out = new Map<string, Vars>();
  for (const [name, hv] of Object.entries(group.hosts)) out.set(name, { ...group.vars, ...(isVars(hv) ? hv : {}) });
  return out;
}

/** A run's ClusterService over the lab's hosts, with what it emits and registers kept. */
export function labClusterService(hosts: Map<string, Vars>): { service: ClusterService; events: TransportEvent[]; secrets: Set<string> } {
  const events: TransportEvent[] = [];
  const secrets = new Set<string>();
  const service = new ClusterService({
    hosts: [...hosts.keys()],
    hostVars: (h) => hosts.get(h) ?? {},
    runId: 'test-run',
    // Nothing of the machine's own kubeconfig: the host variable decides.
    env: {},
    homeDir: join(tmpdir(), 'fleetboot-no-home'),
    onEvent: (e) => events.push(e),
    onSecret: (s) => secrets.add(s),
  });
  return { service, events, secrets };
}

