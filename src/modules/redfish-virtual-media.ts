// redfish.virtual_media: mount an ISO through the BMC ("LOM ISO redirection"), or unmount it.
// Ejects first (a slot may still claim the old image), inserts with `Image` alone unless the
// BMC's ActionInfo requires more, falls back to PATCH where the action is missing, and re-reads
// the slot to verify. Vendor differences come from the quirk rows, never from names here.

import { setTimeout as sleep } from 'node:timers/promises';
import type { BmcHandle } from '../redfish/bmc-pool.js';
import type { VirtualMediaSlot } from '../redfish/discovery.js';
import type { QuirkRow } from '../redfish/quirks.js';
import { ejectBody, emptyByConnectedVia, imageUrlProblem, mustEjectBeforeInsert, refusedInsertProperties } from '../redfish/quirk-effects.js';
import { ModuleFailure, type ModuleContext, type ModuleSpec } from './contract.js';

export interface VirtualMediaArgs {
  state: 'inserted' | 'ejected';
  image?: string | string[];
}

export interface SlotState {
  image?: string;
  inserted?: boolean;
  connectedVia?: string;
}

export function slotStateOf(body: Record<string, unknown>): SlotState {
  const out: SlotState = {};
  if (typeof body.Image === 'string' && body.Image !== '') out.image = body.Image;
  if (typeof body.Inserted === 'boolean') out.inserted = body.Inserted;
  if (typeof body.ConnectedVia === 'string') out.connectedVia = body.ConnectedVia;
  return out;
}

/** Empty as the BMC tells it: `ConnectedVia: NotConnected` wins; some keep `Image` after eject. */
export function isEmpty(s: SlotState, quirks: readonly QuirkRow[]): boolean {
  if (s.connectedVia === 'NotConnected') return true;
  if (s.inserted === false) return true;
  if (emptyByConnectedVia(quirks)) return false;
  return s.image === undefined;
}

export function holds(s: SlotState, url: string, quirks: readonly QuirkRow[]): boolean {
  return !isEmpty(s, quirks) && s.image === url;
}

/** InsertMedia's body: `Image`, plus what the ActionInfo marks required, minus what the BMC refuses. */
export function insertBody(url: string, required: readonly string[], quirks: readonly QuirkRow[]): Record<string, unknown> {
  const scheme = /^([a-z]+):/i.exec(url)?.[1]?.toUpperCase();
  const extra: Record<string, unknown> = {
    TransferProtocolType: scheme === 'HTTPS' ? 'HTTPS' : scheme === 'HTTP' ? 'HTTP' : scheme,
    TransferMethod: 'Stream',
    Inserted: true,
    WriteProtected: true,
  };
  const body: Record<string, unknown> = { Image: url };
  for (const p of required) if (p in extra) body[p] = extra[p];
  for (const p of refusedInsertProperties(quirks)) delete body[p];
  return body;
}

export const redfishVirtualMediaModule: ModuleSpec<VirtualMediaArgs> = {
  name: 'redfish.virtual_media',
  local: true,
  supportsCheck: true,
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['state'],
    properties: {
      state: { enum: ['inserted', 'ejected'] },
      // A list offers the same image at several URLs (http and https): the first this BMC can mount is used.
      image: {
        oneOf: [
          { type: 'string', pattern: '^[a-zA-Z][a-zA-Z0-9+.-]*://' },
          { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[a-zA-Z][a-zA-Z0-9+.-]*://' } },
        ],
      },
    },
    if: { properties: { state: { const: 'inserted' } } },
    then: { required: ['image'] },
  },
  async run(args, ctx) {
    const bmc = await ctx.bmc();
    const slot = bmc.discovery.virtualMedia;
    if (!slot) throw new ModuleFailure(bmc.discovery.virtualMediaProblem ?? 'this BMC has no usable virtual CD slot');
    const quirks = bmc.discovery.quirks;
    // An image this BMC cannot mount is refused before anything is asked of the BMC.
    let url = '';
    if (args.state === 'inserted') {
      const offered = typeof args.image === 'string' ? [args.image] : (args.image ?? []);
      const problems = offered.map((u) => imageUrlProblem(quirks, u));
      const usable = offered.find((_, i) => problems[i] === undefined);
      if (usable === undefined) throw new ModuleFailure(problems.join('; '));
      url = usable;
    }
    const read = async (): Promise<SlotState> => slotStateOf((await bmc.client.getObject(slot.path)).body);
    const before = await read();
    if (args.state === 'ejected') {
      if (isEmpty(before, quirks)) return { changed: false, failed: false, slot: slot.path, reason: 'slot already empty' };
      if (ctx.check) return { changed: true, failed: false, slot: slot.path, reason: `would eject ${before.image ?? 'the image'}` };
      await eject(bmc, slot, quirks);
      await verify(read, (s) => isEmpty(s, quirks), 'empty', ctx);
      return { changed: true, failed: false, slot: slot.path, reason: `ejected ${before.image ?? 'the image'}` };
    }
    if (holds(before, url, quirks)) return { changed: false, failed: false, slot: slot.path, image: url, reason: 'image already inserted' };
    if (ctx.check) return { changed: true, failed: false, slot: slot.path, image: url, reason: 'would insert the image' };
    // Eject first: a slot may claim an image it no longer serves (a known lie after eject).
    if (!isEmpty(before, quirks) || mustEjectBeforeInsert(quirks)) await eject(bmc, slot, quirks).catch((err: unknown) => {
      if (!isEmpty(before, quirks)) throw err;
    });
    await insert(bmc, slot, url, quirks);
    await verify(read, (s) => holds(s, url, quirks), `holding ${url}`, ctx);
    return { changed: true, failed: false, slot: slot.path, image: url, reason: before.image ? `replaced ${before.image}` : 'inserted' };
  },
};

async function eject(bmc: BmcHandle, slot: VirtualMediaSlot, quirks: readonly QuirkRow[]): Promise<void> {
  if (slot.ejectTarget) {
    await bmc.client.post(slot.ejectTarget, ejectBody(quirks));
  } else if (slot.patchAllowed) {
    await bmc.client.patch(slot.path, { Image: null, Inserted: false });
  } else throw new ModuleFailure(`${slot.path}: no EjectMedia action and PATCH not allowed: cannot eject`);
}

async function insert(bmc: BmcHandle, slot: VirtualMediaSlot, url: string, quirks: readonly QuirkRow[]): Promise<void> {
  if (slot.mount === 'insert-action' && slot.insertTarget) {
    const required = slot.insertActionInfo ? await requiredParameters(bmc, slot.insertActionInfo) : [];
    await bmc.client.post(slot.insertTarget, insertBody(url, required, quirks));
  } else if (slot.mount === 'patch') {
    const body: Record<string, unknown> = { Image: url, Inserted: true, WriteProtected: true };
    for (const p of refusedInsertProperties(quirks)) if (p !== 'Image') delete body[p];
    await bmc.client.patch(slot.path, body);
  } else throw new ModuleFailure(`${slot.path}: no InsertMedia action and PATCH not allowed: this slot cannot mount an image`);
}

async function requiredParameters(bmc: BmcHandle, actionInfo: string): Promise<string[]> {
  const { body } = await bmc.client.getObject(actionInfo);
  const params = Array.isArray(body.Parameters) ? (body.Parameters as Record<string, unknown>[]) : [];
  return params.filter((p) => p.Required === true && typeof p.Name === 'string').map((p) => p.Name as string);
}

/** Re-reads until the slot says what was asked: some BMCs take a moment (iDRAC's stale Inserted). */
async function verify(read: () => Promise<SlotState>, ok: (s: SlotState) => boolean, what: string, ctx: ModuleContext): Promise<void> {
  let s = await read();
  for (let i = 0; i < 10 && !ok(s); i++) {
    await sleep(500, undefined, { signal: ctx.signal });
    s = await read();
  }
  if (!ok(s)) {
    throw new ModuleFailure(`the slot reads back image=${s.image ?? 'none'} inserted=${String(s.inserted)} connectedVia=${s.connectedVia ?? '?'}, not ${what}`);
  }
}
