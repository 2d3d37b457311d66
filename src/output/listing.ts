// `--list-hosts` and `--list-tasks`, in ansible-playbook's layout.

import type { RunPlan } from '../engine/plan-types.js';

export function formatHostList(plan: RunPlan): string {
  const out = [`\nplaybook: ${plan.playbook}\n`];
  for (const p of plan.plays) {
    out.push(`  play #${p.index + 1} (${p.play.hosts}): ${p.play.name}\tTAGS: []`);
    out.push(`    pattern: ['${p.play.hosts}']`);
    out.push(`    hosts (${p.hosts.length}):`);
    for (const h of p.hosts) out.push(`      ${h}`);
    out.push('');
  }
  return out.join('\n') + '\n';
}

export function formatTaskList(plan: RunPlan): string {
  const out = [`\nplaybook: ${plan.playbook}\n`];
  for (const p of plan.plays) {
    out.push(`  play #${p.index + 1} (${p.play.hosts}): ${p.play.name}\tTAGS: []`);
    out.push('    tasks:');
    for (const t of p.tasks.slice(p.startAt)) out.push(`      ${t.task.name}\tTAGS: []`);
    out.push('');
  }
  return out.join('\n') + '\n';
}
