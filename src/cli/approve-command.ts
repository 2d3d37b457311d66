// `fleetboot approve -i INVENTORY [--watch]`: cluster.join's CSR rules for every node of the
// inventory, as a one-shot pass over what is pending or as a daemon (the "method to automatically
// approve kubelet serving certificate requests" user-provisioned clusters need, renewals included).
// Runs from a workstation with a kubeconfig or in the cluster with its service account
// (docs/approver/). One line per CSR decided; nothing is approved that a rule refuses.

import { hostname } from 'node:os';
import type { CommandModule } from 'yargs';
import { Approver, DEFAULT_SETTLE_MS, type CsrDecision } from '../cluster/approver.js';
import { KubeApiError } from '../cluster/kube-error.js';
import { EventDispatcher } from '../core/dispatcher.js';
import { ExitCode, FleetbootError, errorMessage } from '../core/errors.js';
import type { CsrDecisionEvent } from '../core/events.js';
import { ClusterService, KUBECONFIG_VAR } from '../engine/cluster-service.js';
import { newRunId } from '../engine/run-dir.js';
import { createOutput, useColor } from '../output/index.js';
import { parseSettle, parseSince } from './approve-options.js';
import { inventorySources } from './options.js';
import { loadInventoryHosts } from './wiring.js';

interface ApproveArgs {
  inventory?: string[];
  limit?: string;
  watch: boolean;
  since: string;
  settle: number;
  'deny-strangers': boolean;
  kubeconfig?: string;
  context?: string;
  json: boolean;
  verbose?: number;
}

export function approveCommand(setCode: (c: number) => void): CommandModule<object, ApproveArgs> {
  return {
    command: 'approve',
    describe: "approve the inventory's nodes' kubelet CSRs after checking each (client and serving, renewals with --watch); report the rest",
    builder: (y) =>
      y
        .option('inventory', { alias: 'i', type: 'string', array: true, nargs: 1, requiresArg: true, describe: 'inventory file or directory (repeatable): its hosts are the nodes approved' })
        .option('limit', { alias: 'l', type: 'string', requiresArg: true, describe: 'only the hosts matching this pattern, or @FILE' })
        .option('watch', { alias: 'w', type: 'boolean', default: false, describe: 'keep approving as CSRs come (until Ctrl-C or SIGTERM)' })
        .option('since', { type: 'string', default: '1h', describe: 'when the installs began: no bootstrap CSR created before is approved (30m, 2h, or an ISO time)' })
        .option('settle', { type: 'number', default: DEFAULT_SETTLE_MS / 1000, describe: 'seconds a bootstrap CSR must be pending alone before it is approved' })
        .option('deny-strangers', { type: 'boolean', default: false, describe: 'deny, rather than leave pending, CSRs that claim an inventory node and fail a rule' })
        .option('kubeconfig', { type: 'string', requiresArg: true, describe: "kubeconfig (default: KUBECONFIG, the hosts' fleetboot_kubeconfig, ~/.kube/config, in-cluster)" })
        .option('context', { type: 'string', requiresArg: true, describe: 'the kubeconfig context to use' })
        .option('json', { type: 'boolean', default: false, describe: 'JSON lines on stdout, one per event' })
        .option('verbose', { alias: 'v', type: 'count', describe: "more output (-v: CSRs that are not fleetboot's; -vvv: API calls)" }) as never,
    handler: async (args) => {
      setCode(await approve(args));
    },
  };
}

function toEvent(d: CsrDecision): CsrDecisionEvent {
  const v = d.verdict;
  return {
    kind: 'csr.decision',
    outcome: d.outcome,
    csr: v.csr,
    csrKind: v.kind,
    ...(v.host !== undefined ? { host: v.host } : {}),
    ...(v.nodeName !== undefined ? { node: v.nodeName } : {}),
    ...(v.action !== 'approve' ? { rule: v.rule } : {}),
    reason: v.reason,
    ...(d.latencyMs !== undefined ? { latencyMs: d.latencyMs } : {}),
    ...(d.error !== undefined ? { error: d.error } : {}),
  };
}

async function approve(args: ApproveArgs): Promise<number> {
  const since = parseSince(args.since, new Date());
  const settleMs = parseSettle(args.settle);
  const { hosts, hostVars } = await loadInventoryHosts(inventorySources(args.inventory), args.limit);
  const [first] = hosts;
  if (first === undefined) throw new FleetbootError(args.limit ? 'Specified inventory and --limit leave no hosts: no node to approve' : 'the inventory has no hosts: no node to approve');

  const dispatcher = new EventDispatcher();
  const output = createOutput({ mode: args.json ? 'json' : 'lines', stream: process.stdout, color: useColor(process.stdout, process.env), verbosity: args.verbose ?? 0 });
  dispatcher.subscribe((e) => output.consume(e));
  const emit = (e: Parameters<EventDispatcher['emit']>[0]): void => void dispatcher.emit(e);
  const cluster = new ClusterService({
    ...(args.kubeconfig ? { kubeconfig: args.kubeconfig } : {}),
    ...(args.context ? { context: args.context } : {}),
    hosts,
    hostVars,
    runId: `approve-${newRunId()}`,
    onEvent: emit,
    onSecret: (s) => dispatcher.secrets.add(s),
  });
  let approver: Approver | undefined;
  let stop = (): void => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const access = await cluster.forHost(first, hostVars(first)[KUBECONFIG_VAR]).catch((err: unknown) => {
      throw new FleetbootError(errorMessage(err));
    });
    approver = new Approver({
      client: access.client,
      informers: access.informers,
      identities: access.identities,
      since,
      deny: args['deny-strangers'],
      settleMs,
      by: `fleetboot approve (pid ${process.pid} on ${hostname()})`,
      onDecision: (d) => emit(toEvent(d)),
    });
    const mode = args.watch ? 'watching' : 'one pass over what is pending';
    emit({ kind: 'message', level: 'info', msg: `approve: ${access.identities.size} inventory nodes, bootstrap CSRs since ${since.toISOString()}, ${mode}` });
    await Promise.race([
      approver.start().catch((err: unknown) => {
        if (err instanceof KubeApiError && (err.status === 401 || err.status === 403)) {
          throw new FleetbootError(`${err.message}: fleetboot approve needs the rights docs/approver/rbac.yaml grants`);
        }
        throw err;
      }),
      stopped,
    ]);
    if (args.watch) await stopped;
    else await Promise.race([approver.idle(), stopped]);
    await approver.stop();
    const n = approver.summary();
    emit({ kind: 'message', level: 'info', msg: `approve: ${n.approved} approved, ${n.denied} denied, ${n.left} left pending, ${n.failed} failed, ${n.ignored} not fleetboot's` });
    // A daemon told to stop has done its job. One pass: as ansible-playbook's "a host failed", a
    // CSR of the inventory's nodes that was not approved wants a look.
    if (args.watch) return ExitCode.OK;
    return n.left + n.denied + n.failed > 0 ? ExitCode.HOST_FAILED : ExitCode.OK;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await approver?.stop();
    await cluster.close();
    output.close();
  }
}
