// redfish.boot: a one-time boot override (`BootSourceOverrideEnabled: Once`), checked against the
// BMC's allowed targets before sending, sent as the vendor needs it (the quirk rows say whether
// through the `@Redfish.Settings` object and whether the full Boot triple), read back to verify.

import type { QuirkRow } from '../redfish/quirks.js';
import { bootNeedsFullTriple, bootTargetToSend, bootViaSettings } from '../redfish/quirk-effects.js';
import { ModuleFailure, type ModuleSpec } from './contract.js';

export interface BootArgs {
  target: 'Cd' | 'Pxe' | 'UefiHttp' | 'Hdd' | 'UefiTarget';
  mode?: 'UEFI' | 'Legacy';
}

export interface BootState {
  enabled?: string;
  target?: string;
  mode?: string;
}

export interface BootPlan {
  /** Nothing to send: the override is already as wanted. */
  done: boolean;
  /** Where the PATCH goes: the system, or its Settings object. */
  path: string;
  body: { Boot: Record<string, string> };
  /** The target as sent (Supermicro's UsbCd for Cd). */
  target: string;
}

/** The pure decision, from the Boot object as read now. */
export function planBoot(
  args: BootArgs,
  current: BootState,
  opts: { systemPath: string; settingsPath?: string; allowedTargets?: string[]; allowedModes?: string[]; model?: string; quirks: readonly QuirkRow[] },
): BootPlan {
  const target = bootTargetToSend(opts.quirks, args.target, opts.model, opts.allowedTargets);
  if (opts.allowedTargets && !opts.allowedTargets.includes(target)) {
    throw new ModuleFailure(`target ${args.target}: not allowed by this BMC (BootSourceOverrideTarget allows ${opts.allowedTargets.join(', ')})`);
  }
  if (args.mode && opts.allowedModes && !opts.allowedModes.includes(args.mode)) {
    throw new ModuleFailure(`mode ${args.mode}: not allowed by this BMC (BootSourceOverrideMode allows ${opts.allowedModes.join(', ')})`);
  }
  const boot: Record<string, string> = { BootSourceOverrideEnabled: 'Once', BootSourceOverrideTarget: target };
  const mode = args.mode ?? (bootNeedsFullTriple(opts.quirks) ? current.mode : undefined);
  if (mode) boot.BootSourceOverrideMode = mode;
  const viaSettings = bootViaSettings(opts.quirks) && opts.settingsPath !== undefined;
  const done = current.enabled === 'Once' && current.target === target && (!args.mode || current.mode === args.mode);
  return { done, path: viaSettings ? opts.settingsPath! : opts.systemPath, body: { Boot: boot }, target };
}

export function bootStateOf(body: Record<string, unknown>): BootState {
  const b = (body.Boot ?? {}) as Record<string, unknown>;
  const s = (k: string): string | undefined => (typeof b[k] === 'string' ? (b[k] as string) : undefined);
  return { enabled: s('BootSourceOverrideEnabled'), target: s('BootSourceOverrideTarget'), mode: s('BootSourceOverrideMode') };
}

export const redfishBootModule: ModuleSpec<BootArgs> = {
  name: 'redfish.boot',
  local: true,
  supportsCheck: true,
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['target'],
    properties: { target: { enum: ['Cd', 'Pxe', 'UefiHttp', 'Hdd', 'UefiTarget'] }, mode: { enum: ['UEFI', 'Legacy'] } },
  },
  async run(args, ctx) {
    const bmc = await ctx.bmc();
    const sys = bmc.discovery.system;
    const read = await bmc.client.get(sys.path);
    const current = bootStateOf((read.body ?? {}) as Record<string, unknown>);
    const plan = planBoot(args, current, {
      systemPath: sys.path,
      ...(sys.settingsPath ? { settingsPath: sys.settingsPath } : {}),
      ...(sys.bootTargets ? { allowedTargets: sys.bootTargets } : {}),
      ...(sys.bootModes ? { allowedModes: sys.bootModes } : {}),
      ...(sys.model ? { model: sys.model } : {}),
      quirks: bmc.discovery.quirks,
    });
    if (plan.done) return { changed: false, failed: false, boot: current, reason: 'one-time override already set' };
    if (ctx.check) return { changed: true, failed: false, boot: current, reason: `would set ${plan.target} once` };
    const etagFrom = plan.path === sys.path ? read : await bmc.client.get(plan.path);
    await bmc.client.patch(plan.path, plan.body, etagFrom);
    // Read back where it was written: a Settings object holds the pending value until the next boot.
    const after = bootStateOf(((await bmc.client.get(plan.path)).body ?? {}) as Record<string, unknown>);
    if (after.enabled !== 'Once' || after.target !== plan.target) {
      throw new ModuleFailure(`the BMC accepted the override but reads back ${after.enabled ?? '?'}/${after.target ?? '?'}, not Once/${plan.target}`);
    }
    return { changed: true, failed: false, boot: after, reason: `${plan.target} once` };
  },
};
