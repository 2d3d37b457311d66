import assert from 'node:assert/strict';
import { bootFs, hostProfile, LAB_USERS } from '../../src/lab/host-profile.js';
import { runShell, type ShellHost } from '../../src/lab/shell.js';

function newHost(user: 'core' | 'root' = 'core'): ShellHost {
  const profile = hostProfile('node-007');
  const u = LAB_USERS[user];
  assert.ok(u);
  return { profile, fs: bootFs(profile), user: u };
}

async function sh(script: string, opts: { host?: ShellHost; stdin?: string; signal?: AbortSignal } = {}) {
  let stdout = '';
  let stderr = '';
  const stdin = opts.stdin;
  const rc = await runShell(script, opts.host ?? newHost(), {
    stdout: (c) => (stdout += c.toString()),
    stderr: (c) => (stderr += c.toString()),
    ...(stdin !== undefined ? { stdin: () => Promise.resolve(Buffer.from(stdin)) } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return { rc, stdout, stderr };
}

describe('lab shell', () => {
  const cases: Array<[string, number, string, string?]> = [
    ['echo hello world', 0, 'hello world\n'],
    ['echo -n hi', 0, 'hi'],
    ['echo', 0, '\n'],
    ['true', 0, ''],
    ['false', 1, ''],
    [':', 0, ''],
    ['hostname', 0, 'node-007\n'],
    ['uname', 0, 'Linux\n'],
    ['uname -m', 0, 'aarch64\n'],
    ['uname -sr', 0, 'Linux 6.9.12-200.fc40.aarch64\n'],
    ['uname -n -m', 0, 'node-007 aarch64\n'],
    ['uname -a', 0, 'Linux node-007 6.9.12-200.fc40.aarch64 #1 SMP PREEMPT_DYNAMIC Sat Jul 27 20:51:04 UTC 2024 aarch64 GNU/Linux\n'],
    ['uname -q', 1, '', "uname: invalid option -- 'q'\n"],
    ['cat /etc/hostname', 0, 'node-007\n'],
    ['cat /etc/hostname /etc/hostname', 0, 'node-007\nnode-007\n'],
    ['cat /nope', 1, '', 'cat: /nope: No such file or directory\n'],
    ['cat /etc', 1, '', 'cat: /etc: Is a directory\n'],
    ['nosuch --flag', 127, '', 'sh: nosuch: command not found\n'],
    ['/usr/bin/echo hi', 0, 'hi\n'],
    ['/opt/echo hi', 127, '', 'sh: /opt/echo: command not found\n'],
    ['reboot', 127, '', 'sh: reboot: command not found\n'],
    ['sudo echo as root', 0, 'as root\n'],
    ['sudo -n -u root -H echo ok', 0, 'ok\n'],
    ['sudo', 1, '', 'usage: sudo [-AbEHknPS] [-u user] command [arg ...]\n'],
    ['sudo nosuch', 127, '', 'sh: nosuch: command not found\n'],
    ['whoami', 0, 'core\n'],
    ['pwd', 0, '/home/core\n'],
    ['cd /etc && pwd', 0, '/etc\n'],
    ['cd /etc; cat hostname', 0, 'node-007\n'],
    ['cd /nope', 1, '', 'sh: cd: /nope: No such file or directory\n'],
    ['cd; pwd', 0, '/home/core\n'],
    ['echo a; echo b', 0, 'a\nb\n'],
    ['echo a\necho b\n', 0, 'a\nb\n'],
    ['true && echo yes', 0, 'yes\n'],
    ['false && echo yes', 1, ''],
    ['false || echo no', 0, 'no\n'],
    ['true || echo no', 0, ''],
    ['false && echo a || echo b', 0, 'b\n'],
    ['true && false || echo c; echo d', 0, 'c\nd\n'],
    ['false; echo $?', 0, '1\n'],
    ['nosuch 2>/dev/null', 2, '', "sh: syntax error: '>' is not supported by the lab shell\n"],
    ['false; echo "rc=$?"', 0, 'rc=1\n'],
    ['echo $HOSTNAME ${USER} $HOME', 0, 'node-007 core /home/core\n'],
    ['echo ~ ~/x', 0, '/home/core /home/core/x\n'],
    ["echo '$HOSTNAME' \"$HOSTNAME\"", 0, '$HOSTNAME node-007\n'],
    ['echo "a  b"   c', 0, 'a  b c\n'],
    ["echo 'it''s'", 0, 'its\n'],
    ['echo a\\ b \\$x', 0, 'a b $x\n'],
    ['echo "q\\"uote" \'x\'"y"z', 0, 'q"uote xyz\n'],
    ['echo $UNSET end', 0, 'end\n'],
    ['echo "$UNSET" end', 0, ' end\n'],
    ['X=1; Y="two words"; echo $X "$Y"', 0, '1 two words\n'],
    ['LANG=C echo hi', 0, 'hi\n'],
    ['echo a # comment', 0, 'a\n'],
    ['echo a#b', 0, 'a#b\n'],
    ['echo 5$', 0, '5$\n'],
    ['exit 3', 3, ''],
    ['exit', 0, ''],
    ['false; exit', 1, ''],
    ['exit 3; echo not', 3, ''],
    ['exit 256', 0, ''],
    ['exit x', 2, '', 'sh: exit: x: numeric argument required\n'],
    ["sh -c 'echo inner; exit 4'; echo outer $?", 0, 'inner\nouter 4\n'],
    ["/bin/sh -c 'echo $HOSTNAME'", 0, 'node-007\n'],
    ["bash -e -c 'false || echo x'", 0, 'x\n'],
    ["sudo sh -c 'cd /etc && cat hostname'", 0, 'node-007\n'],
    ['sh -c', 2, '', 'sh: -c: option requires an argument\n'],
    ['sh -c "cd /etc"; pwd', 0, '/home/core\n'],
    ['test -e /etc/os-release', 0, ''],
    ['test -f /etc', 1, ''],
    ['test -d /etc', 0, ''],
    ['test -e /nope', 1, ''],
    ['[ -d /tmp ]', 0, ''],
    ['[ -d /tmp', 2, '', "sh: [: missing `]'\n"],
    ['[ ! -e /nope ]', 0, ''],
    ['[ -n "" ]', 1, ''],
    ['[ -z "" ]', 0, ''],
    ['[ abc = abc ]', 0, ''],
    ['[ abc != abc ]', 1, ''],
    ['[ 3 -lt 10 ]', 0, ''],
    ['[ x -lt 10 ]', 2, '', 'sh: [: x: integer expression expected\n'],
    ['test', 1, ''],
    ['test -e /run/ostree-live && echo live', 0, 'live\n'],
    ['sleep 0', 0, ''],
    ['sleep 0.01 && echo done', 0, 'done\n'],
    ['sleep', 1, '', 'sleep: missing operand\n'],
    ['sleep abc', 1, '', "sleep: invalid time interval 'abc'\n"],
    ['mkdir /a/b', 1, '', "mkdir: cannot create directory '/a/b': No such file or directory\n"],
    ['mkdir -p /a/b && test -d /a/b && echo made', 0, 'made\n'],
    ['mkdir /etc', 1, '', "mkdir: cannot create directory '/etc': File exists\n"],
    ['mkdir', 1, '', 'mkdir: missing operand\n'],
    ['rm /etc/hostname && cat /etc/hostname', 1, '', 'cat: /etc/hostname: No such file or directory\n'],
    ['rm /nope', 1, '', "rm: cannot remove '/nope': No such file or directory\n"],
    ['rm -f /nope', 0, ''],
    ['rm /etc', 1, '', "rm: cannot remove '/etc': Is a directory\n"],
    ['rm -rf /etc && test -e /etc/os-release', 1, ''],
    ['echo a | cat', 2, '', "sh: syntax error: '|' is not supported by the lab shell\n"],
    ['echo $(hostname)', 2, '', 'sh: syntax error: command substitution is not supported by the lab shell\n'],
    ['echo `hostname`', 2, '', "sh: syntax error: '`' is not supported by the lab shell\n"],
    ['sleep 1 &', 2, '', "sh: syntax error: '&' is not supported by the lab shell\n"],
    ["echo 'open", 2, '', "sh: unexpected EOF while looking for matching `''\n"],
    ['&& echo', 2, '', "sh: syntax error near unexpected token `&&'\n"],
    ['echo a &&', 2, '', 'sh: syntax error: unexpected end of file\n'],
    ['echo a &&\necho b', 0, 'a\nb\n'],
    ['', 0, ''],
  ];
  for (const [script, rc, stdout, stderr = ''] of cases) {
    it(`${JSON.stringify(script)} -> ${rc}`, async () => {
      assert.deepEqual(await sh(script), { rc, stdout, stderr });
    });
  }

  it('reads the os-release of a Fedora CoreOS live system', async () => {
    const r = await sh('cat /etc/os-release');
    assert.match(r.stdout, /^VARIANT_ID=coreos$/m);
    assert.match(r.stdout, /^ID=fedora$/m);
    assert.match((await sh('cat /proc/cpuinfo')).stdout, /^processor\t: 0$/m);
  });

  it('gives stdin to cat without arguments, and to cat -', async () => {
    assert.deepEqual(await sh('cat', { stdin: 'line one\nline two\n' }), { rc: 0, stdout: 'line one\nline two\n', stderr: '' });
    assert.equal((await sh('cat - /etc/hostname', { stdin: 'in\n' })).stdout, 'in\nnode-007\n');
  });

  it('hands stdin to only the first reader', async () => {
    assert.equal((await sh('cat; cat', { stdin: 'once\n' })).stdout, 'once\n');
  });

  it('runs a script from stdin with sh and no -c', async () => {
    assert.deepEqual(await sh('sh', { stdin: 'echo from stdin\nexit 5\n' }), { rc: 5, stdout: 'from stdin\n', stderr: '' });
  });

  it('keeps files between commands of one host', async () => {
    const host = newHost();
    host.fs.writeFile('/tmp/script.sh', 'echo in script; hostname\n');
    assert.equal((await sh('sh /tmp/script.sh', { host })).stdout, 'in script\nnode-007\n');
    await sh('mkdir -p /var/lib/x', { host });
    assert.equal((await sh('test -d /var/lib/x && echo there', { host })).stdout, 'there\n');
  });

  it('runs as root with root home', async () => {
    assert.equal((await sh('whoami; pwd; echo $HOME', { host: newHost('root') })).stdout, 'root\n/root\n/root\n');
  });

  it('stops sleeping when aborted', async () => {
    const abort = new AbortController();
    const running = sh('sleep 3600; echo never', { signal: abort.signal });
    abort.abort();
    const r = await running;
    assert.equal(r.stdout, '');
    assert.notEqual(r.rc, 0);
  });

  it('streams output before a later sleep ends', async () => {
    const abort = new AbortController();
    let first = '';
    const host = newHost();
    const done = runShell('echo first; sleep 3600; echo second', host, {
      stdout: (c) => {
        first += c.toString();
        abort.abort();
      },
      stderr: () => undefined,
      signal: abort.signal,
    });
    await done;
    assert.equal(first, 'first\n');
  });
});
