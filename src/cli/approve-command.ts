// `fleetboot approve -i INVENTORY [--watch]`: cluster.join's CSR rules for every node of the
// inventory, as a one-shot pass over what is pending or as a daemon (the "method to automatically
// approve kubelet serving certificate requests" user-provisioned clusters need, renewals included).
// Runs from a workstation with a kubeconfig or in the cluster with its service account
// (docs/approver/). One line per CSR decided; nothing is approved that a rule refuses.

import { hostname } from 'node:os';
import type { CommandModule } from 'yargs';
import { Approver, DEFAULT_SETTLE_MS, type CsrDecision } from '../cluster/approver.js';
import { decisionEvent } from '../cluster/csr-decision.js';
import { KubeApiError } from '../cluster/kube-error.js';
import { EventDispatcher } from '../core/dispatcher.js';
import { ExitCode, FleetbootError, OptionsError, errorMessage } from '../core/errors.js';
import type { TransportEvent } from '../core/events.js';
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
  'serving-only': boolean;
  timeout: number;
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
        .option('serving-only', { type: 'boolean', default: false, describe: 'approve serving CSRs only (initial and renewals), never a bootstrap client CSR' })
        .option('timeout', { type: 'number', default: 60, describe: 'one pass: seconds to wait for the cluster to answer before failing' })
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

/** Refusals that say "not yet" or "stale", not "stranger": they do not fail a one-pass run. */
function wantsALook(d: CsrDecision): boolean {
  if (d.outcome === 'approved' || d.outcome === 'ignored') return false;
  const v = d.verdict;
  if (v.action === 'approve') return true;
  if (v.rule === 'created-before-install' || v.rule === 'too-old') return false;
  return !(v.kind === 'serving' && v.rule === 'node-exists');
}

async function approve(args: ApproveArgs): Promise<number> {
  const since = parseSince(args.since, new Date());
  const settleMs = parseSettle(args.settle);
  if (!(args.timeout > 0)) throw new OptionsError(`--timeout: seconds above 0, got '${String(args.timeout)}'`);
  const { hosts, all, hostVars } = await loadInventoryHosts(inventorySources(args.inventory), args.limit);
  const [first] = hosts;
  if (first === undefined) throw new FleetbootError(args.limit ? 'Specified inventory and --limit leave no hosts: no node to approve' : 'the inventory has no hosts: no node to approve');

  const dispatcher = new EventDispatcher();
  const output = createOutput({ mode: args.json ? 'json' : 'lines', stream: process.stdout, color: useColor(process.stdout, process.env), verbosity: args.verbose ?? 0, showApprovals: true });
  dispatcher.subscribe((e) => output.consume(e));
  const emit = (e: Parameters<EventDispatcher['emit']>[0]): void => void dispatcher.emit(e);
  // A daemon whose watches fail must say so at any verbosity (once a minute per kind), not only at -vvv.
  const warnedAt = new Map<string, number>();
  const onClusterEvent = (e: TransportEvent): void => {
    emit(e);
    const m = /^(?:watch|list) (csrs|nodes) (dropped|refused)$/.exec(e.action);
    if (!m?.[1] || Date.now() - (warnedAt.get(m[1]) ?? 0) < 60_000) return;
    warnedAt.set(m[1], Date.now());
    emit({ kind: 'message', level: 'warning', msg: `cluster: cannot read ${m[1]}: ${e.detail ?? m[2]}` });
  };
  const cluster = new ClusterService({
    ...(args.kubeconfig ? { kubeconfig: args.kubeconfig } : {}),
    ...(args.context ? { context: args.context } : {}),
    hosts,
    allHosts: all,
    hostVars,
    runId: `approve-${newRunId()}`,
    onEvent: onClusterEvent,
    onSecret: (s) => dispatcher.secrets.add(s),
  });
  let approver: Approver | undefined;
  let stop = (): void => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let wanted = 0;
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
      servingOnly: args['serving-only'],
      // One pass tries an approval the API refuses three times; a daemon keeps trying.
      ...(args.watch ? {} : { maxAttempts: 3 }),
      settleMs,
      by: `fleetboot approve (pid ${process.pid} on ${hostname()})`,
      onDecision: (d) => {
        if (wantsALook(d)) wanted++;
        emit(decisionEvent(d));
      },
    });
    const mode = args.watch ? 'watching' : 'one pass over what is pending';
    const what = args['serving-only'] ? 'serving CSRs only' : `bootstrap CSRs since ${since.toISOString()}`;
    emit({ kind: 'message', level: 'info', msg: `approve: ${access.identities.size} inventory nodes, ${what}, ${mode}` });
    const started = approver.start().catch((err: unknown) => {
      if (err instanceof KubeApiError && (err.status === 401 || err.status === 403)) {
        throw new FleetbootError(`${err.message}: fleetboot approve needs the rights docs/approver/rbac.yaml grants`);
      }
      throw err;
    });
    // A daemon waits for the cluster as long as it takes (saying so); one pass gives up.
    let timer: NodeJS.Timeout | undefined;
    const deadline = args.watch
      ? new Promise<never>(() => undefined)
      : new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            const why = access.informers.csrs.error ?? access.informers.nodes.error ?? 'no answer';
            reject(new FleetbootError(`cluster: could not list CSRs and Nodes within ${args.timeout} s: ${why}`));
          }, args.timeout * 1000);
        });
    try {
      await Promise.race([started, stopped, deadline]);
      if (args.watch) await stopped;
      else await Promise.race([approver.idle(), stopped]);
    } finally {
      clearTimeout(timer);
    }
    await approver.stop();
    const n = approver.summary();
    emit({ kind: 'message', level: 'info', msg: `approve: ${n.approved} approved, ${n.denied} denied, ${n.left} left pending, ${n.failed} failed, ${n.ignored} not fleetboot's` });
    // A daemon told to stop has done its job. One pass: as ansible-playbook's "a host failed", a
    // CSR of the inventory's nodes refused as a stranger wants a look ("not yet" and stale do not).
    if (args.watch) return ExitCode.OK;
    return wanted > 0 ? ExitCode.HOST_FAILED : ExitCode.OK;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await approver?.stop();
    await cluster.close();
    output.close();
  }
}
