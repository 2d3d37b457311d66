// A small HTTPS client for the simulated BMC tests: node:https, verified against the lab CA.

import { request } from 'node:https';
import { makeLabCa, makeLeaf } from '../../src/lab/bmc/certs.js';
import { BMC_PROFILES, type BmcProfileName, type BmcQuirks } from '../../src/lab/bmc/profiles.js';
import { BmcServer } from '../../src/lab/bmc/server.js';
import { BmcService, type BmcFaults, type BmcMediaOptions } from '../../src/lab/bmc/service.js';

export interface Target {
  address: string;
  port: number;
  ca: string;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, unknown>;
}

export interface Call {
  basic?: { user: string; password: string };
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export function call(t: Target, method: string, path: string, opts: Call = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.basic) headers.Authorization = `Basic ${Buffer.from(`${opts.basic.user}:${opts.basic.password}`).toString('base64')}`;
  if (opts.token) headers['X-Auth-Token'] = opts.token;
  const payload = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  if (payload !== undefined) headers['Content-Type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = request({ host: t.address, port: t.port, method, path, ca: t.ca, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown> = {};
        try {
          const v: unknown = JSON.parse(text);
          if (typeof v === 'object' && v !== null) json = v as Record<string, unknown>;
        } catch {
          // not JSON ($metadata, HEAD, 204)
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Reads a slash path ("Boot/BootSourceOverrideEnabled") out of a JSON answer (Redfish keys contain dots). */
export function at(v: unknown, path: string): unknown {
  let cur = v;
  for (const k of path.split('/')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

export interface TestBmc extends Target {
  server: BmcServer;
  service: BmcService;
  password: string;
  basic: { user: string; password: string };
  close(): Promise<void>;
}

let caPromise: ReturnType<typeof makeLabCa> | undefined;
let nextHost = 1;

/** A simulated BMC in this process on 127.10.250.N (apart from any lab's addresses), any free port. */
export async function startTestBmc(profile: BmcProfileName, opts: { faults?: BmcFaults; powerDelayMs?: number; quirks?: Partial<BmcQuirks>; media?: BmcMediaOptions; sessionTimeoutSec?: number } = {}): Promise<TestBmc> {
  const ca = await (caPromise ??= makeLabCa());
  const address = `127.10.250.${nextHost++}`;
  const leaf = await makeLeaf(ca, [address]);
  const password = `pw-${profile}-secret`;
  const service = new BmcService({
    identity: { name: `bmc-${profile}`, address, uuid: '00000000-0000-4000-8000-000000000001', serial: 'LAB000001', mac: '52:54:00:0a:fa:01' },
    profile: { ...BMC_PROFILES[profile], quirks: { ...BMC_PROFILES[profile].quirks, ...opts.quirks } },
    password,
    powerDelayMs: opts.powerDelayMs ?? 20,
    ...(opts.faults ? { faults: opts.faults } : {}),
    ...(opts.media ? { media: opts.media } : {}),
    ...(opts.sessionTimeoutSec !== undefined ? { sessionTimeoutSec: opts.sessionTimeoutSec } : {}),
  });
  const server = new BmcServer(address, service, { key: leaf.keyPem, cert: leaf.certPem });
  await server.listen(0);
  return { address, port: server.port, ca: ca.certPem, server, service, password, basic: { user: 'admin', password }, close: () => server.close() };
}

/** Polls until `check` holds (the BMC changes power after a delay); fails after `ms`. */
export async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
