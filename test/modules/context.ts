// A real ModuleContext for module tests: SSH through a real SshConnectionPool, templating
// through the real Templar, controller paths resolved as the engine resolves them against a
// temp playbook dir, and every emitted event kept in order for assertions.

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { TaskResult } from '../../src/core/result.js';
import { ModuleFailure, type ArtifactPublisher, type ClusterAccess, type ModuleContext, type ModuleEvent, type ModuleSpec } from '../../src/modules/contract.js';
import { Templar } from '../../src/playbook/template.js';
import type { SshPool, SshTarget } from '../../src/ssh/types.js';
import type { ArtifactServer } from '../../src/serve/server.js';

export interface PlaybookDir {
  dir: string;
  /** `<dir>/files`, where `copy: src:` looks first. */
  files: string;
  /** `<dir>/templates`, where `template: src:` looks first. */
  templates: string;
  remove(): void;
}

export function makePlaybookDir(): PlaybookDir {
  const dir = mkdtempSync(join(tmpdir(), 'fleetboot-modules-pb-'));
  const files = join(dir, 'files');
  const templates = join(dir, 'templates');
  mkdirSync(files);
  mkdirSync(templates);
  return { dir, files, templates, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ContextOptions {
  pool: SshPool;
  /** The host's target; a function is asked on every `ssh()` (a host that moves, or comes up later). */
  target: SshTarget | (() => SshTarget);
  playbookDir: string;
  vars?: Record<string, unknown>;
  check?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called with each event as it is emitted, after it is recorded. */
  onEvent?: (event: ModuleEvent) => void;
  /** What `ctx.artifacts()` returns (see `serverPublisher`); without it, it rejects. */
  artifacts?: ArtifactPublisher | ((secrets: Set<string>) => ArtifactPublisher);
  /**
   * What `ctx.cluster()` returns: a ClusterService (asked as the engine asks it, with the host's
   * `fleetboot_kubeconfig`) or a function; without it, it rejects.
   */
  cluster?: { forHost(host: string, kubeconfig: unknown): Promise<ClusterAccess> } | (() => Promise<ClusterAccess>);
}

/**
 * A real ArtifactServer as one host's ArtifactPublisher, as the engine adapts it: publishes for
 * `host`, registers each token as a secret (through `addSecret`) and offers the server's CA.
 */
export function serverPublisher(server: ArtifactServer, host: string, addSecret: (secret: string) => void = () => undefined): ArtifactPublisher {
  const adapt = (p: { url: string; httpsUrl?: string; token: string; size: number }): { url: string; httpsUrl?: string; token: string; size: number } => {
    addSecret(p.token);
    return { url: p.url, ...(p.httpsUrl ? { httpsUrl: p.httpsUrl } : {}), token: p.token, size: p.size };
  };
  return {
    publishFile: async (o) => adapt(await server.publish({ host, ...o })),
    publishBytes: (o) => Promise.resolve(adapt(server.publishBytes({ host, ...o }))),
    ...(server.caPem ? { caPem: server.caPem } : {}),
  };
}

export interface TestContext {
  ctx: ModuleContext;
  events: ModuleEvent[];
  secrets: Set<string>;
  /** Text of every `output` event of a stream, in order. */
  output(stream: 'stdout' | 'stderr'): string;
}

export function makeContext(o: ContextOptions): TestContext {
  const templar = new Templar({ baseDir: o.playbookDir });
  const vars = o.vars ?? {};
  const events: ModuleEvent[] = [];
  const secrets = new Set<string>();
  const targetOf = (): SshTarget => (typeof o.target === 'function' ? o.target() : o.target);
  const signal = o.signal ?? new AbortController().signal;
  const ctx: ModuleContext = {
    bmc: () => Promise.reject(new Error('no BMC in SSH module tests')),
    host: targetOf().host,
    vars,
    check: o.check ?? false,
    signal,
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ssh: () => o.pool.get(targetOf(), signal),
    reconnect: () => o.pool.drop(targetOf().host),
    render: (template, extra) => templar.renderString(template, extra ? { ...vars, ...extra } : vars),
    evaluate: (expression, extra) => templar.evaluate(expression, extra ? { ...vars, ...extra } : vars),
    resolvePath: (path, subdir) => {
      if (isAbsolute(path)) return path;
      if (subdir) {
        const inSub = join(o.playbookDir, subdir, path);
        if (existsSync(inSub)) return inSub;
      }
      return join(o.playbookDir, path);
    },
    emit: (event) => {
      events.push(event);
      o.onEvent?.(event);
    },
    addSecret: (secret) => secrets.add(secret),
    artifacts: () => {
      const a = o.artifacts;
      if (!a) return Promise.reject(new Error('no artifact server in this test context'));
      return Promise.resolve(typeof a === 'function' ? a(secrets) : a);
    },
    cluster: () => {
      const c = o.cluster;
      if (!c) return Promise.reject(new Error('no cluster in this test context'));
      return typeof c === 'function' ? c() : c.forHost(targetOf().host, vars['fleetboot_kubeconfig']);
    },
  };
  const output = (stream: 'stdout' | 'stderr'): string =>
    events.map((e) => (e.kind === 'output' && e.stream === stream ? e.text : '')).join('');
  return { ctx, events, secrets, output };
}

/**
 * Runs a module as the engine does for its verdicts: a ModuleFailure becomes `failed: true`
 * with its message; any other error propagates (a crash is a test failure).
 */
export async function runModule<A>(spec: ModuleSpec<A>, args: A, ctx: ModuleContext): Promise<TaskResult> {
  try {
    return await spec.run(args, ctx);
  } catch (err) {
    if (err instanceof ModuleFailure) return { changed: false, ...err.result, failed: true, msg: err.message };
    throw err;
  }
}
