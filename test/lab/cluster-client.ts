// A small HTTPS client for the lab cluster tests: JSON requests with a bearer token, trusting
// the cluster's CA, and a watch reader that yields events line by line.

import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { webcrypto } from 'node:crypto';
import { kubeletCsrPem, newKubeletKeys } from '../../src/lab/cluster/kubelet.js';

/** Where a cluster answers and the CA its certificate chains to (a LabCluster, or what a kubeconfig says). */
export interface ClusterEndpoint {
  url: string;
  caPem: string;
}

export interface Reply {
  status: number;
  body: Record<string, unknown>;
}

export function call(cluster: ClusterEndpoint, method: string, path: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const url = new URL(path, cluster.url);
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: cluster.caPem,
        headers: {
          Accept: 'application/json',
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(data ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(data)) } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: Record<string, unknown> = {};
          try {
            parsed = JSON.parse(text) as Record<string, unknown>;
          } catch {
            parsed = { text };
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

export interface WatchStream {
  /** The next event, waiting for it. */
  next(): Promise<{ type: string; object: Record<string, unknown> }>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export function openWatch(cluster: ClusterEndpoint, path: string, token: string): Promise<WatchStream> {
  const url = new URL(path, cluster.url);
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: cluster.caPem, headers: { Authorization: `Bearer ${token}` } }, (res: IncomingMessage) => {
      if (res.statusCode !== 200) return reject(new Error(`watch answered ${res.statusCode}`));
      const queue: Array<{ type: string; object: Record<string, unknown> }> = [];
      const waiters: Array<(e: { type: string; object: Record<string, unknown> }) => void> = [];
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (!line.trim()) continue;
          const e = JSON.parse(line) as { type: string; object: Record<string, unknown> };
          const w = waiters.shift();
          if (w) w(e);
          else queue.push(e);
        }
      });
      const ended = new Promise<void>((done) => {
        res.on('end', done);
        res.on('close', done);
      });
      resolve({
        next: () => {
          const e = queue.shift();
          return e ? Promise.resolve(e) : new Promise((r) => waiters.push(r));
        },
        ended,
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

export type CsrKind = 'client' | 'serving';

/** A CSR object body as a kubelet would post it; `tweak` changes what a test needs changed. */
export async function csrBody(name: string, node: string, kind: CsrKind, opts: { usages?: string[]; sans?: { dns?: string[]; ips?: string[] }; keys?: webcrypto.CryptoKeyPair } = {}): Promise<Record<string, unknown>> {
  const keys = opts.keys ?? (await newKubeletKeys());
  const pem = await kubeletCsrPem(keys, node, opts.sans ?? (kind === 'serving' ? { dns: [node], ips: ['127.10.0.9'] } : {}));
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: {
      request: Buffer.from(pem).toString('base64'),
      signerName: kind === 'client' ? 'kubernetes.io/kube-apiserver-client-kubelet' : 'kubernetes.io/kubelet-serving',
      usages: opts.usages ?? (kind === 'client' ? ['digital signature', 'client auth'] : ['digital signature', 'server auth']),
    },
  };
}
