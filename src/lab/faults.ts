// The lab's faults file: per host name or glob, what goes wrong on that host.
//
//   node-003:            { refuse: true }                       # connections closed at once
//   "node-01?":          { drop_on: "^reboot" }                 # TCP connection destroyed mid-command
//   "node-*":
//     slow: { match: "install", seconds: 5 }                    # delay before the command runs
//     fail: { match: "^systemctl", rc: 3, stderr: "boom" }      # command fails without running
//
//   node-004:                                                   # its simulated BMC:
//     bmc_503_burst: 3          # the next 3 requests answer 503 with Retry-After: 1
//     bmc_session_limit: 1      # sessions allowed at once (default 4)
//     bmc_slow_ms: 300          # delay before each answer
//     bmc_busy_reset: true      # reset refused during POST (1 s after each boot; or a number of ms)
//     bmc_two_at_once: refuse   # a request arriving while another is in flight gets 503
//     bmc_require_if_match: true  # PATCH without If-Match gets 428
//     bmc_async_actions: true   # actions answer 202 with a task monitor
//     bmc_stale_media_ms: 2000  # after eject the slot still reads the old image for 2 s
//
//   node-005:                                                   # its live system's installer:
//     install_drop_ssh: true    # the SSH connection drops mid-install (the install dies with it)
//     install_no_disk: true     # the host has only a 16 GB SATA DOM: no disk matches typical hints
//     install_fail: true        # coreos-installer fails writing the image (exit 1)
//     ignition_hash_mismatch: true  # the host receives other Ignition bytes than were served
//     slow_download: 3          # the Ignition download takes 3 s more
//   (the first three and ignition_hash_mismatch also take a number N: only the first N installs)
//
//   node-006:                                                   # its kubelet and the cluster:
//     kubelet_never_ready: true # the Node never turns Ready
//     kubelet_ready_ms: 2000    # the Node turns Ready 2 s later than usual
//     kubelet_rotate_ms: 500    # 0.5 s after Ready, the kubelet files a client rotation CSR (as the node)
//     csr_impostor: client     # beside the kubelet's client CSR, another one for this node (bootstrap token stolen)
//                              # (serving: a serving CSR from system:node:intruder-<host> for this host's name and IP)
//
// Several entries may match a host: later entries override earlier ones field by field.

import { isMap, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import { ParseError } from '../core/errors.js';

export interface SlowFault {
  match: RegExp;
  seconds: number;
}

export interface FailFault {
  match: RegExp;
  rc: number;
  stderr: string;
}

export interface HostFaults {
  refuse?: boolean;
  dropOn?: RegExp;
  slow?: SlowFault;
  fail?: FailFault;
  bmc503Burst?: number;
  bmcSessionLimit?: number;
  bmcSlowMs?: number;
  /** Milliseconds after each boot during which a reset is refused. */
  bmcBusyResetMs?: number;
  bmcTwoAtOnce?: 'refuse';
  bmcRequireIfMatch?: boolean;
  bmcAsyncActions?: boolean;
  bmcStaleMediaMs?: number;
  /** Install attempts affected (Infinity: all). */
  installDropSsh?: number;
  installNoDisk?: boolean;
  installFail?: number;
  ignitionHashMismatch?: number;
  /** Extra seconds the Ignition download takes. */
  slowDownloadSeconds?: number;
  kubeletNeverReady?: boolean;
  /** Extra lab ms before the Node turns Ready. */
  kubeletReadyMs?: number;
  /** Lab ms after Ready until the kubelet files a client rotation CSR. */
  kubeletRotateMs?: number;
  csrImpostor?: 'client' | 'serving';
}

const BMC_BUSY_RESET_DEFAULT_MS = 1000;
const SLOW_DOWNLOAD_DEFAULT_SECONDS = 2;
const INSTALL_KEYS = ['install_drop_ssh', 'install_no_disk', 'install_fail', 'ignition_hash_mismatch', 'slow_download'];
const KUBELET_KEYS = ['kubelet_never_ready', 'kubelet_ready_ms', 'kubelet_rotate_ms', 'csr_impostor'];
const BMC_KEYS = ['bmc_503_burst', 'bmc_session_limit', 'bmc_slow_ms', 'bmc_busy_reset', 'bmc_two_at_once', 'bmc_require_if_match', 'bmc_async_actions', 'bmc_stale_media_ms'];

export interface FaultRule {
  /** A host name or a glob (`*`, `?`, `[...]`). */
  pattern: string;
  faults: HostFaults;
}

const MATCH_ALL = /(?:)/;

class Reader {
  constructor(
    private readonly file: string,
    private readonly lines: LineCounter,
  ) {}

  fail(node: Node | null | undefined, field: string, what: string): ParseError {
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    return new ParseError({ file: this.file, line, col }, field, what);
  }

  map(node: Node | null, field: string, keys: readonly string[]): Map<string, Node | null> {
    if (!isMap(node)) throw this.fail(node, field, 'must be a mapping');
    const out = new Map<string, Node | null>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!keys.includes(key)) {
        throw this.fail(pair.key as Node, `${field}.${key}`, `unknown key (expected one of: ${keys.join(', ')})`);
      }
      out.set(key, (pair.value as Node | null) ?? null);
    }
    return out;
  }

  /** A scalar of `type`; `at` locates the error when the key is missing altogether. */
  scalar(node: Node | null | undefined, field: string, type: 'string' | 'number' | 'boolean', at?: Node | null): unknown {
    if (node === undefined) throw this.fail(at, field, `is required (a ${type})`);
    if (!isScalar(node) || typeof node.value !== type) throw this.fail(node, field, `must be a ${type}`);
    return node.value;
  }

  regex(node: Node | null | undefined, field: string): RegExp {
    if (node === undefined) return MATCH_ALL;
    const src = this.scalar(node, field, 'string') as string;
    try {
      return new RegExp(src);
    } catch (err) {
      throw this.fail(node, field, `not a valid regular expression (${(err as Error).message})`);
    }
  }
}

function parseHost(r: Reader, node: Node | null, name: string): HostFaults {
  const m = r.map(node, name, ['refuse', 'drop_on', 'slow', 'fail', ...BMC_KEYS, ...INSTALL_KEYS, ...KUBELET_KEYS]);
  const faults: HostFaults = {};
  if (m.has('refuse')) faults.refuse = r.scalar(m.get('refuse'), `${name}.refuse`, 'boolean') as boolean;
  if (m.has('drop_on')) faults.dropOn = r.regex(m.get('drop_on'), `${name}.drop_on`);
  if (m.has('slow')) {
    const f = `${name}.slow`;
    const s = r.map(m.get('slow') ?? null, f, ['match', 'seconds']);
    const seconds = r.scalar(s.get('seconds'), `${f}.seconds`, 'number', m.get('slow')) as number;
    if (!(seconds >= 0)) throw r.fail(s.get('seconds'), `${f}.seconds`, 'must be 0 or more seconds');
    faults.slow = { match: r.regex(s.get('match'), `${f}.match`), seconds };
  }
  if (m.has('fail')) {
    const f = `${name}.fail`;
    const s = r.map(m.get('fail') ?? null, f, ['match', 'rc', 'stderr']);
    const rc = s.has('rc') ? (r.scalar(s.get('rc'), `${f}.rc`, 'number') as number) : 1;
    if (!Number.isInteger(rc) || rc < 0 || rc > 255) throw r.fail(s.get('rc'), `${f}.rc`, 'must be an integer from 0 to 255');
    const stderr = s.has('stderr') ? (r.scalar(s.get('stderr'), `${f}.stderr`, 'string') as string) : '';
    faults.fail = { match: r.regex(s.get('match'), `${f}.match`), rc, stderr };
  }
  const count = (key: string, min: number): number | undefined => {
    if (!m.has(key)) return undefined;
    const n = r.scalar(m.get(key), `${name}.${key}`, 'number') as number;
    if (!Number.isInteger(n) || n < min) throw r.fail(m.get(key), `${name}.${key}`, `must be a whole number of at least ${min}`);
    return n;
  };
  faults.bmc503Burst = count('bmc_503_burst', 0);
  faults.bmcSessionLimit = count('bmc_session_limit', 0);
  faults.bmcSlowMs = count('bmc_slow_ms', 0);
  faults.bmcStaleMediaMs = count('bmc_stale_media_ms', 0);
  if (m.has('bmc_busy_reset')) {
    const v = m.get('bmc_busy_reset');
    if (isScalar(v) && typeof v.value === 'number') faults.bmcBusyResetMs = count('bmc_busy_reset', 0);
    else faults.bmcBusyResetMs = (r.scalar(v, `${name}.bmc_busy_reset`, 'boolean') as boolean) ? BMC_BUSY_RESET_DEFAULT_MS : 0;
  }
  if (m.has('bmc_two_at_once')) {
    const v = r.scalar(m.get('bmc_two_at_once'), `${name}.bmc_two_at_once`, 'string');
    if (v !== 'refuse') throw r.fail(m.get('bmc_two_at_once'), `${name}.bmc_two_at_once`, 'must be "refuse"');
    faults.bmcTwoAtOnce = 'refuse';
  }
  if (m.has('bmc_require_if_match')) {
    faults.bmcRequireIfMatch = r.scalar(m.get('bmc_require_if_match'), `${name}.bmc_require_if_match`, 'boolean') as boolean;
  }
  if (m.has('bmc_async_actions')) {
    faults.bmcAsyncActions = r.scalar(m.get('bmc_async_actions'), `${name}.bmc_async_actions`, 'boolean') as boolean;
  }
  // true: every install; a number: the first N installs; false: none.
  const times = (key: string): number | undefined => {
    if (!m.has(key)) return undefined;
    const v = m.get(key);
    if (isScalar(v) && typeof v.value === 'number') return count(key, 0);
    return (r.scalar(v, `${name}.${key}`, 'boolean') as boolean) ? Infinity : 0;
  };
  faults.installDropSsh = times('install_drop_ssh');
  faults.installFail = times('install_fail');
  faults.ignitionHashMismatch = times('ignition_hash_mismatch');
  if (m.has('install_no_disk')) faults.installNoDisk = r.scalar(m.get('install_no_disk'), `${name}.install_no_disk`, 'boolean') as boolean;
  if (m.has('slow_download')) {
    const v = m.get('slow_download');
    if (isScalar(v) && typeof v.value === 'number') {
      if (!(v.value >= 0)) throw r.fail(v, `${name}.slow_download`, 'must be 0 or more seconds');
      faults.slowDownloadSeconds = v.value;
    } else faults.slowDownloadSeconds = (r.scalar(v, `${name}.slow_download`, 'boolean') as boolean) ? SLOW_DOWNLOAD_DEFAULT_SECONDS : 0;
  }
  if (m.has('kubelet_never_ready')) faults.kubeletNeverReady = r.scalar(m.get('kubelet_never_ready'), `${name}.kubelet_never_ready`, 'boolean') as boolean;
  faults.kubeletReadyMs = count('kubelet_ready_ms', 0);
  faults.kubeletRotateMs = count('kubelet_rotate_ms', 0);
  if (m.has('csr_impostor')) {
    const v = r.scalar(m.get('csr_impostor'), `${name}.csr_impostor`, 'string');
    if (v !== 'client' && v !== 'serving') throw r.fail(m.get('csr_impostor'), `${name}.csr_impostor`, 'must be "client" or "serving"');
    faults.csrImpostor = v;
  }
  // Keys not given stay absent, so a later entry's merge does not blank an earlier one.
  for (const k of Object.keys(faults) as (keyof HostFaults)[]) if (faults[k] === undefined) delete faults[k];
  return faults;
}

/** Parses a faults file's text; throws ParseError (`file:line:col: field: what`). */
export function parseFaults(text: string, file: string): FaultRule[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const r = new Reader(file, lines);
  const first = doc.errors[0];
  if (first) {
    const { line, col } = lines.linePos(first.pos[0]);
    throw new ParseError({ file, line, col }, undefined, first.message.split('\n')[0] ?? 'invalid YAML');
  }
  const root = doc.contents as Node | null;
  if (root === null || (isScalar(root) && root.value === null)) return [];
  if (!isMap(root)) throw r.fail(root, '', 'must be a mapping of host names or globs to faults');
  return root.items.map((pair) => {
    const pattern = isScalar(pair.key) ? String(pair.key.value) : '';
    if (pattern === '') throw r.fail(pair.key as Node, '', 'a host name or glob is expected as key');
    return { pattern, faults: parseHost(r, (pair.value as Node | null) ?? null, pattern) };
  });
}

export function globToRegExp(glob: string): RegExp {
  let src = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (c === '*') src += '.*';
    else if (c === '?') src += '.';
    else if (c === '[' && glob.indexOf(']', i + 2) > 0) {
      const end = glob.indexOf(']', i + 2);
      const body = glob.slice(i + 1, end);
      src += `[${body.startsWith('!') ? '^' + body.slice(1) : body}]`;
      i = end;
    } else src += c.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  }
  return new RegExp(`^${src}$`);
}

/** The faults of one host: every matching entry, later ones overriding earlier ones. */
export function faultsFor(rules: readonly FaultRule[], host: string): HostFaults {
  const out: HostFaults = {};
  for (const rule of rules) {
    if (rule.pattern === host || globToRegExp(rule.pattern).test(host)) Object.assign(out, rule.faults);
  }
  return out;
}
