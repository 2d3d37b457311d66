// A playbook run end to end against Debian's real OpenSSH sshd (not our lab): our own SSH
// server is never the only peer the transport is tested against.

import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshd, type Sshd } from '../ssh/sshd-fixture.js';
import { runCli } from '../helpers/cli.js';

describe('run against a real OpenSSH sshd', function () {
  this.timeout(60_000);
  let sshd: Sshd;
  let work: string;

  before(async () => {
    sshd = await startSshd();
    work = await mkdtemp(join(tmpdir(), 'fleetboot-openssh-'));
    await writeFile(
      join(work, 'inv.yml'),
      `all:
  hosts:
    real-1:
      ansible_host: ${sshd.address}
      ansible_port: ${sshd.port}
  vars:
    ansible_user: root
    ansible_ssh_private_key_file: ${sshd.clientKeyFile}
    fleetboot_known_hosts_file: ${sshd.knownHostsFile}
    target_dir: ${sshd.dir}/out
`,
    );
    await mkdir(join(work, 'templates'));
    await writeFile(join(work, 'templates', 'motd.j2'), 'host {{ inventory_hostname }} in {{ group_names | length }} groups\n');
    await writeFile(
      join(work, 'site.yml'),
      `- name: real sshd
  hosts: all
  gather_facts: false
  tasks:
    - wait_for_connection: { timeout: 10 }
    - name: make a directory
      command: mkdir -p {{ target_dir }}
      args:
        creates: "{{ target_dir }}"
    - name: a pipe through the shell
      shell: echo hello | tr a-z A-Z
      register: upper
    - assert: { that: "upper.stdout == 'HELLO'" }
    - name: put a file
      copy: { content: "one\\n", dest: "{{ target_dir }}/a.txt", mode: "0600" }
    - name: render a template
      template: { src: motd.j2, dest: "{{ target_dir }}/motd" }
    - name: read it back
      command: cat {{ target_dir }}/motd
      register: motd
      changed_when: false
    - assert: { that: "motd.stdout == 'host real-1 in 0 groups'" }
    - name: mode as asked
      command: stat -c %a {{ target_dir }}/a.txt
      register: mode
      failed_when: mode.stdout != '600'
      changed_when: false
    - name: loop with until
      shell: echo {{ item }}
      loop: [a, b]
      register: looped
      until: looped.rc == 0
      retries: 2
      delay: 0
`,
    );
  });
  after(async () => {
    await sshd?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('runs every module over one connection; a second run changes nothing it need not', async () => {
    const first = await runCli(['run', 'site.yml', '-i', 'inv.yml'], { cwd: work });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /changed: \[real-1\] put a file/);
    assert.match(first.stdout, /changed: \[real-1\] render a template/);
    assert.equal(sshd.connections(), 1, 'one connection per host, reused across tasks');
    assert.equal(await readFile(join(sshd.dir, 'out', 'a.txt'), 'utf8'), 'one\n');

    const second = await runCli(['run', 'site.yml', '-i', 'inv.yml'], { cwd: work });
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.match(second.stdout, /ok: \[real-1\] make a directory/);
    assert.match(second.stdout, /ok: \[real-1\] put a file/);
    assert.match(second.stdout, /ok: \[real-1\] render a template/);
  });

  it('refuses a host whose key is not in known_hosts (strict by default): unreachable, exit 3', async () => {
    await writeFile(join(work, 'empty_known_hosts'), '');
    const r = await runCli(['run', 'site.yml', '-i', 'inv.yml', '-e', `fleetboot_known_hosts_file=${join(work, 'empty_known_hosts')}`], { cwd: work });
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /unreachable: \[real-1\].*(host key|known_hosts)/i);
  });
});
