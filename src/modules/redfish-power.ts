// redfish.power: on, off, restart or cycle a host through its BMC, with a ResetType the BMC
// allows and that fits the current PowerState; then wait until the state is reached.

import { setTimeout as sleep } from 'node:timers/promises';
import { ModuleFailure, type ModuleSpec } from './contract.js';

export type PowerWanted = 'on' | 'off' | 'restart' | 'cycle';

export interface PowerPlan {
  /** ResetTypes to send, in order (a cycle without PowerCycle is ForceOff then On). */
  resets: string[];
  /** The PowerState to wait for after the last reset. */
  until: 'On' | 'Off';
  reason: string;
}

// Preferences per wish, most fitting first (names from the DMTF ResetType enum).
const PREFER: Record<PowerWanted, string[][]> = {
  on: [['On'], ['ForceOn']],
  off: [['ForceOff'], ['GracefulShutdown'], ['PushPowerButton']],
  restart: [['ForceRestart'], ['GracefulRestart'], ['PowerCycle'], ['ForceOff', 'On']],
  cycle: [['PowerCycle'], ['ForceOff', 'On'], ['ForceOff', 'ForceOn'], ['ForceRestart']],
};

/** The pure decision: what to send for `wanted` when the system is `powerState`. */
export function planPower(wanted: PowerWanted, powerState: string | undefined, allowed: readonly string[] | undefined): PowerPlan {
  const isOn = powerState === 'On' || powerState === 'PoweringOn';
  const isOff = powerState === 'Off' || powerState === 'PoweringOff';
  if (wanted === 'on' && isOn) return { resets: [], until: 'On', reason: `already ${powerState}` };
  if (wanted === 'off' && isOff) return { resets: [], until: 'Off', reason: `already ${powerState}` };
  // Restarting or cycling a host that is off means powering it on (what an operator wants).
  const effective: PowerWanted = (wanted === 'restart' || wanted === 'cycle') && isOff ? 'on' : wanted;
  const ok = (types: string[]): boolean => !allowed || types.every((t) => allowed.includes(t));
  const choice = PREFER[effective].find(ok);
  if (!choice) {
    throw new ModuleFailure(`state ${wanted}: the BMC allows none of ${PREFER[effective].map((c) => c.join('+')).join(', ')} (it allows ${allowed?.join(', ') || 'nothing'})`);
  }
  return { resets: choice, until: effective === 'off' ? 'Off' : 'On', reason: `${powerState ?? 'unknown'} -> ${choice.join(' then ')}` };
}

export interface PowerArgs {
  state: PowerWanted;
  /** Seconds to wait for the state (default 300). */
  timeout?: number;
}

export const redfishPowerModule: ModuleSpec<PowerArgs> = {
  name: 'redfish.power',
  local: true,
  supportsCheck: true,
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['state'],
    properties: { state: { enum: ['on', 'off', 'restart', 'cycle'] }, timeout: { type: 'number', exclusiveMinimum: 0 } },
  },
  async run(args, ctx) {
    const bmc = await ctx.bmc();
    const sys = bmc.discovery.system;
    const read = async (): Promise<string | undefined> => {
      const { body } = await bmc.client.getObject(sys.path);
      return typeof body.PowerState === 'string' ? body.PowerState : undefined;
    };
    const before = await read();
    const plan = planPower(args.state, before, bmc.discovery.resetTypes);
    if (plan.resets.length === 0) return { changed: false, failed: false, power_state: before, reason: plan.reason };
    if (ctx.check) return { changed: true, failed: false, power_state: before, reason: `would send ${plan.resets.join(' then ')}` };
    if (!sys.resetTarget) throw new ModuleFailure(`${sys.path} has no #ComputerSystem.Reset action`);
    const deadline = Date.now() + (args.timeout ?? 300) * 1000;
    let state = before;
    for (const [i, reset] of plan.resets.entries()) {
      await bmc.client.post(sys.resetTarget, { ResetType: reset });
      // Between the two halves of a cycle, wait for Off before sending On.
      const goal = i < plan.resets.length - 1 ? 'Off' : plan.until;
      state = await waitFor(goal, read, deadline, ctx.signal);
    }
    return { changed: true, failed: false, power_state: state, reset_types: plan.resets, reason: plan.reason };
  },
};

async function waitFor(goal: 'On' | 'Off', read: () => Promise<string | undefined>, deadline: number, signal: AbortSignal): Promise<string | undefined> {
  let state = await read();
  // A restart may report On throughout; the reset's acceptance is then the evidence.
  while (state !== goal) {
    if (Date.now() > deadline) throw new ModuleFailure(`power state is ${state ?? 'unknown'}, not ${goal}, at the deadline`);
    await sleep(500, undefined, { signal });
    state = await read();
  }
  return state;
}
