// The one contract every module follows: a name, a JSON Schema for its arguments (checked
// before any host is touched), and `run`, which reads, decides (pure), acts, and returns a
// result. Modules never print: what they have to say goes out as events through `ctx.emit`.

import type { FleetEvent } from '../core/events.js';
import type { TaskResult } from '../core/result.js';
import type { SshConnection } from '../ssh/types.js';
import type { BmcHandle } from '../redfish/bmc-pool.js';
import type { ClusterInformers } from '../cluster/informer.js';
import type { KubeClient } from '../cluster/kube-client.js';
import type { NodeIdentity } from '../cluster/types.js';

export type JsonSchema = Record<string, unknown>;

export interface ModuleContext {
  /** Inventory name of the host the step runs for. */
  host: string;
  /** The host's variables as the task sees them (inventory, play, facts, registered, item). */
  vars: Readonly<Record<string, unknown>>;
  /** `--check`: report what would change, change nothing. */
  check: boolean;
  /** Aborted on the second Ctrl-C, or when the task's timeout passes. */
  signal: AbortSignal;
  /** The task's timeout in milliseconds, if it has one. */
  timeoutMs?: number;
  /** The host's SSH connection (pooled: the first call connects). Throws SshUnreachableError. */
  ssh(): Promise<SshConnection>;
  /** Renders a template string against `vars` (and extra variables). */
  render(template: string, extra?: Record<string, unknown>): string;
  /** Evaluates a bare Jinja2 expression (as in `when:` or `assert: that:`). */
  evaluate(expression: string, extra?: Record<string, unknown>): unknown;
  /**
   * Resolves a controller-side path written in the playbook: absolute as is; else, as Ansible
   * searches, `<playbook dir>/<subdir>/<path>` first, then `<playbook dir>/<path>`.
   */
  resolvePath(path: string, subdir?: 'files' | 'templates'): string;
  /** The host's BMC (from its `bmc` inventory variable): a logged-in Redfish client and what it offers. */
  bmc(): Promise<BmcHandle>;
  /** Closes the host's pooled SSH connection so the next `ssh()` connects afresh. */
  reconnect(): Promise<void>;
  /** Streams output and messages; the task index and host are filled in by the engine. */
  emit(event: ModuleEvent): void;
  /** Registers a value that must never be shown (a password read from a file, a token). */
  addSecret(secret: string): void;
  /**
   * The run's artifact server (started on first use), publishing for this host only: what a
   * host publishes is withdrawn when the host is done.
   */
  artifacts(): Promise<ArtifactPublisher>;
  /**
   * The cluster the host joins (kubeconfig from --kubeconfig, else KUBECONFIG, else the host's
   * `fleetboot_kubeconfig`, else ~/.kube/config): one client and one list+watch per kind for the run.
   */
  cluster(): Promise<ClusterAccess>;
}

/** What the run shares about its cluster, for every host's steps. */
export interface ClusterAccess {
  client: KubeClient;
  informers: ClusterInformers;
  /** Every inventory host of the run that has a node identity, by node name (the CSR rules' allow-list). */
  identities: ReadonlyMap<string, NodeIdentity>;
  /** Inventory hosts whose client CSR fleetboot approved in this run (one per install attempt). */
  clientApproved: Set<string>;
  runId: string;
}

/** A published artifact as the BMC and host networks reach it. */
export interface PublishedArtifact {
  /** HTTP URL when the server speaks HTTP, else the HTTPS one. The token in it is a secret. */
  url: string;
  httpsUrl?: string;
  /** The unguessable part of the URL (already registered as a secret). */
  token: string;
  size: number;
}

export interface ArtifactPublisher {
  /** A file on this machine, with byte overlays spliced in as it streams (sorted, non-overlapping). */
  publishFile(o: { name: string; file: string; overlays?: { offset: number; bytes: Uint8Array }[] }): Promise<PublishedArtifact>;
  publishBytes(o: { name: string; bytes: Uint8Array }): Promise<PublishedArtifact>;
  /** PEM of the CA that signs the server's HTTPS certificate, for clients that check it. */
  caPem?: string;
}

/** What a module may emit: its output streams and messages. */
export type ModuleEvent =
  | { kind: 'output'; stream: 'stdout' | 'stderr'; text: string }
  | { kind: 'message'; level: 'warning' | 'info' | 'debug'; msg: string; verbosity?: number }
  | { kind: 'progress'; text: string; percent?: number }
  | Extract<FleetEvent, { kind: 'transport' }>
  // What became of a CSR (cluster.join): the recap and summary.json list the ones not approved.
  | Extract<FleetEvent, { kind: 'csr.decision' }>;

export interface ModuleSpec<A = Record<string, unknown>> {
  /** Short name (`command`); `ansible.builtin.<name>` and `aliases` resolve to it too. */
  name: string;
  aliases?: string[];
  /** The argument a free-form string maps to (`command: echo hi` sets `cmd`). */
  freeForm?: string;
  argsSchema: JsonSchema;
  /** Arguments that are bare Jinja2 expressions (assert's `that`), checked as such before the run. */
  expressionArgs?: string[];
  /** Runs without connecting to the host (debug, set_fact, assert, fail, pause). */
  local?: boolean;
  /** May run in --check mode (it decides itself what to skip); others are skipped in check mode. */
  supportsCheck?: boolean;
  run(args: A, ctx: ModuleContext): Promise<TaskResult>;
}

/** A module's failure that is the module's verdict, not a crash: becomes `failed: true, msg`. */
export class ModuleFailure extends Error {
  constructor(
    message: string,
    readonly result: Partial<TaskResult> = {},
  ) {
    super(message);
    this.name = 'ModuleFailure';
  }
}
