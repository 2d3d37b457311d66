// Discovery: what a BMC offers for lights-out provisioning. Pure parsers over fetched JSON
// (tested with data), and `discover`, which fetches in a fixed order through the client.

import type { RedfishClient } from './client.js';
import { MissingFieldError, RedfishError, RedfishHttpError } from './errors.js';
import { collectionMembers, isJson, optBool, optLink, optObject, optString, optStrings, reqString, type Json } from './fields.js';
import { quirksOf, selectQuirks, type QuirkRow } from './quirks.js';
import type { BmcEndpoint } from './types.js';

export interface ServiceRootInfo {
  systems: string;
  managers?: string;
  sessions?: string;
  /** `Vendor`, else derived from the first `Oem` key (HPE says so only there). */
  vendor?: string;
  redfishVersion?: string;
}

export interface SystemInfo {
  path: string;
  id: string;
  manufacturer?: string;
  model?: string;
  serial?: string;
  /** As the BMC says it (On, Off, PoweringOn...); unknown values kept. */
  powerState?: string;
  biosVersion?: string;
  /** `Boot.BootSourceOverrideTarget@Redfish.AllowableValues`; undefined when the BMC does not say. */
  bootTargets?: string[];
  bootModes?: string[];
  /** The `@Redfish.Settings` object Boot changes go to on some vendors. */
  settingsPath?: string;
  resetTarget?: string;
  resetActionInfo?: string;
  /** Inline `ResetType@Redfish.AllowableValues`. */
  resetTypesInline?: string[];
  virtualMediaPath?: string;
  managedBy: string[];
  ethernetPath?: string;
  processorsPath?: string;
}

export type MountMethod = 'insert-action' | 'patch' | 'none';

export interface VirtualMediaSlot {
  path: string;
  id: string;
  under: 'Systems' | 'Managers';
  mediaTypes: string[];
  image?: string;
  inserted?: boolean;
  connectedVia?: string;
  insertTarget?: string;
  insertActionInfo?: string;
  ejectTarget?: string;
  /** The GET's `Allow` header lists PATCH (absent header: not known to allow it). */
  patchAllowed: boolean;
  /** How an image can be mounted: the InsertMedia action, else PATCH of Image/Inserted, else not at all. */
  mount: MountMethod;
}

export interface Discovery {
  root: ServiceRootInfo;
  system: SystemInfo;
  vendor?: string;
  managerFirmware?: string;
  /** ActionInfo first, then the inline annotation; undefined when the BMC says neither. */
  resetTypes?: string[];
  macs: string[];
  processorArchitectures: string[];
  /** Every CD/DVD slot found, usable or not. */
  cdSlots: VirtualMediaSlot[];
  /** The slot an insert goes to; undefined with `virtualMediaProblem` saying why. */
  virtualMedia?: VirtualMediaSlot;
  virtualMediaProblem?: string;
  quirks: QuirkRow[];
}

const OEM_VENDOR: Record<string, string> = { Hpe: 'HPE', Hp: 'HPE', Dell: 'Dell', Supermicro: 'Supermicro', Lenovo: 'Lenovo', OpenBMC: 'OpenBMC', Ami: 'AMI' };

export function parseServiceRoot(root: Json): ServiceRootInfo {
  const resource = '/redfish/v1/';
  const systems = optLink(root, 'Systems');
  if (!systems) reqString(resource, root, 'Systems', '@odata.id');
  const out: ServiceRootInfo = { systems: systems as string };
  const managers = optLink(root, 'Managers');
  if (managers) out.managers = managers;
  const sessions = optLink(root, 'Links', 'Sessions');
  if (sessions) out.sessions = sessions;
  const version = optString(root, 'RedfishVersion');
  if (version) out.redfishVersion = version;
  const vendor = optString(root, 'Vendor');
  if (vendor) out.vendor = vendor;
  else {
    const oemKey = Object.keys(optObject(root, 'Oem') ?? {})[0];
    if (oemKey) out.vendor = OEM_VENDOR[oemKey] ?? oemKey;
  }
  return out;
}

/** The System to work on: the inventory's id, or the only member; anything else is an error naming the ids. */
export function pickSystem(host: string, members: readonly string[], wantId: string | undefined): string {
  const idOf = (p: string): string => p.replace(/\/+$/, '').split('/').pop() ?? p;
  if (wantId !== undefined) {
    const found = members.find((m) => idOf(m) === wantId);
    if (!found) throw new RedfishError(`${host}: bmc.system: no ComputerSystem '${wantId}' on this BMC (it has: ${members.map(idOf).join(', ') || 'none'})`);
    return found;
  }
  if (members.length === 1) return members[0] as string;
  if (members.length === 0) throw new RedfishError(`${host}: the BMC lists no ComputerSystem under /redfish/v1/Systems`);
  throw new RedfishError(`${host}: the BMC has ${members.length} ComputerSystems (${members.map(idOf).join(', ')}): set bmc.system to one of them`);
}

export function parseSystem(path: string, body: Json): SystemInfo {
  const out: SystemInfo = { path, id: reqString(path, body, 'Id'), managedBy: [] };
  const set = <K extends keyof SystemInfo>(key: K, value: SystemInfo[K] | undefined): void => {
    if (value !== undefined) out[key] = value;
  };
  set('manufacturer', optString(body, 'Manufacturer'));
  set('model', optString(body, 'Model'));
  set('serial', optString(body, 'SerialNumber'));
  set('powerState', optString(body, 'PowerState'));
  set('biosVersion', optString(body, 'BiosVersion'));
  set('bootTargets', optStrings(body, 'Boot', 'BootSourceOverrideTarget@Redfish.AllowableValues'));
  set('bootModes', optStrings(body, 'Boot', 'BootSourceOverrideMode@Redfish.AllowableValues'));
  set('settingsPath', optLink(body, '@Redfish.Settings', 'SettingsObject'));
  const reset = optObject(body, 'Actions', '#ComputerSystem.Reset');
  if (reset) {
    set('resetTarget', reqString(path, body, 'Actions', '#ComputerSystem.Reset', 'target'));
    set('resetActionInfo', optString(reset, '@Redfish.ActionInfo'));
    set('resetTypesInline', optStrings(reset, 'ResetType@Redfish.AllowableValues'));
  }
  set('virtualMediaPath', optLink(body, 'VirtualMedia'));
  set('ethernetPath', optLink(body, 'EthernetInterfaces'));
  set('processorsPath', optLink(body, 'Processors'));
  const managedBy = body.Links && isJson(body.Links) && Array.isArray(body.Links.ManagedBy) ? body.Links.ManagedBy : [];
  for (const m of managedBy) if (isJson(m) && typeof m['@odata.id'] === 'string') out.managedBy.push(m['@odata.id']);
  return out;
}

/** `AllowableValues` of one parameter of an ActionInfo resource. */
export function parseActionInfo(path: string, body: Json, parameter: string): string[] | undefined {
  const params = body.Parameters;
  if (!Array.isArray(params)) throw new MissingFieldError(path, 'Parameters');
  for (const p of params) {
    if (isJson(p) && p.Name === parameter) return optStrings(p, 'AllowableValues');
  }
  return undefined;
}

function allowsPatch(allow: string | undefined): boolean {
  return allow !== undefined && allow.split(',').some((m) => m.trim().toUpperCase() === 'PATCH');
}

export function parseVirtualMedia(path: string, body: Json, allowHeader: string | undefined, under: 'Systems' | 'Managers'): VirtualMediaSlot {
  const slot: VirtualMediaSlot = {
    path,
    id: reqString(path, body, 'Id'),
    under,
    mediaTypes: optStrings(body, 'MediaTypes') ?? [],
    patchAllowed: allowsPatch(allowHeader),
    mount: 'none',
  };
  const image = optString(body, 'Image');
  if (image) slot.image = image;
  const inserted = optBool(body, 'Inserted');
  if (inserted !== undefined) slot.inserted = inserted;
  const via = optString(body, 'ConnectedVia');
  if (via) slot.connectedVia = via;
  const insert = optObject(body, 'Actions', '#VirtualMedia.InsertMedia');
  if (insert) {
    slot.insertTarget = reqString(path, body, 'Actions', '#VirtualMedia.InsertMedia', 'target');
    const info = optString(insert, '@Redfish.ActionInfo');
    if (info) slot.insertActionInfo = info;
  }
  const eject = optObject(body, 'Actions', '#VirtualMedia.EjectMedia');
  if (eject) slot.ejectTarget = reqString(path, body, 'Actions', '#VirtualMedia.EjectMedia', 'target');
  // The action is the standard way; PATCH of Image/Inserted only where the BMC says it takes
  // PATCH (sushy's rule): guessing PATCH on a slot without an Allow header writes to slots
  // that were never meant to take an image (the DMTF mockup's CD1 is one).
  slot.mount = slot.insertTarget ? 'insert-action' : slot.patchAllowed ? 'patch' : 'none';
  return slot;
}

export function isCdSlot(slot: VirtualMediaSlot): boolean {
  return slot.mediaTypes.some((t) => t === 'CD' || t === 'DVD');
}

/**
 * The slot an insert goes to: CD/DVD slots not excluded by a quirk, mountable, in this order:
 * Systems before Managers (newer iDRAC), CD before DVD-only, the action before PATCH. When none
 * fits, the reason names each slot and what it lacks.
 */
export function chooseSlot(slots: readonly VirtualMediaSlot[], quirks: readonly QuirkRow[]): { slot?: VirtualMediaSlot; problem?: string } {
  const cd = slots.filter(isCdSlot);
  if (cd.length === 0) return { problem: 'no virtual media slot has CD or DVD in MediaTypes: this BMC cannot mount an ISO' };
  const skips = quirksOf(quirks, 'skip-slot');
  const reasons: string[] = [];
  const usable: VirtualMediaSlot[] = [];
  for (const s of cd) {
    if (skips.some((q) => q.idPattern.test(s.id))) reasons.push(`${s.path}: cannot take an image URL on this vendor`);
    else if (s.mount === 'none') reasons.push(`${s.path}: no #VirtualMedia.InsertMedia action and PATCH not in its Allow header`);
    else usable.push(s);
  }
  if (usable.length === 0) return { problem: `no usable CD slot (${reasons.join('; ')}): this BMC cannot mount an image` };
  const rank = (s: VirtualMediaSlot): number =>
    (s.under === 'Systems' ? 0 : 4) + (s.mediaTypes.includes('CD') ? 0 : 2) + (s.mount === 'insert-action' ? 0 : 1);
  const best = [...usable].sort((a, b) => rank(a) - rank(b))[0];
  return best ? { slot: best } : {};
}

/** MAC of an EthernetInterface (the current one, else the permanent one). */
export function parseMac(body: Json): string | undefined {
  const mac = optString(body, 'MACAddress') ?? optString(body, 'PermanentMACAddress');
  return mac && /^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$/i.test(mac) ? mac.toLowerCase().replace(/-/g, ':') : undefined;
}

/** `ProcessorArchitecture` of a CPU (x86, ARM, Power...), undefined for FPGAs and others. */
export function parseProcessorArchitecture(body: Json): string | undefined {
  const type = optString(body, 'ProcessorType');
  if (type !== undefined && type !== 'CPU') return undefined;
  return optString(body, 'ProcessorArchitecture');
}

export interface DiscoverOptions {
  /** Also read MACs and processors (for redfish.info); default true. */
  inventory?: boolean;
}

async function members(client: RedfishClient, path: string): Promise<string[]> {
  const { body } = await client.getObject(path);
  return collectionMembers(path, body);
}

async function readSlots(client: RedfishClient, collection: string, under: 'Systems' | 'Managers'): Promise<VirtualMediaSlot[]> {
  const out: VirtualMediaSlot[] = [];
  for (const path of await members(client, collection)) {
    const { body, headers } = await client.getObject(path);
    out.push(parseVirtualMedia(path, body, headers['allow'], under));
  }
  return out;
}

/** Reads what the modules need from a logged-in (or about to log in) client. */
export async function discover(client: RedfishClient, endpoint: BmcEndpoint, options: DiscoverOptions = {}): Promise<Discovery> {
  const root = parseServiceRoot(await client.serviceRoot());
  const systemPath = pickSystem(client.host, await members(client, root.systems), endpoint.systemId);
  const system = parseSystem(systemPath, (await client.getObject(systemPath)).body);

  let managerFirmware: string | undefined;
  let managerModel: string | undefined;
  const managers = system.managedBy.length > 0 ? system.managedBy : root.managers ? await members(client, root.managers) : [];
  const firstManager = managers[0];
  const managerBodies = new Map<string, Json>();
  if (firstManager) {
    const { body } = await client.getObject(firstManager);
    managerBodies.set(firstManager, body);
    managerFirmware = optString(body, 'FirmwareVersion');
    managerModel = optString(body, 'Model');
  }

  const vendor = endpoint.vendor ?? root.vendor;
  const quirks = selectQuirks({
    manufacturer: system.manufacturer ?? '',
    ...(vendor ? { vendor } : {}),
    ...(system.model ? { model: system.model } : {}),
    ...(managerModel ? { managerModel } : {}),
    ...(managerFirmware ? { firmware: managerFirmware } : {}),
  });
  client.setQuirks(quirks);

  let resetTypes: string[] | undefined;
  if (system.resetActionInfo) {
    try {
      resetTypes = parseActionInfo(system.resetActionInfo, (await client.getObject(system.resetActionInfo)).body, 'ResetType');
    } catch (err) {
      // A dangling ActionInfo link is the BMC's mistake; the inline annotation may still say.
      if (!(err instanceof RedfishHttpError && err.status === 404)) throw err;
    }
  }
  resetTypes ??= system.resetTypesInline;

  // Systems first (newer iDRAC, DMTF); the managers only when the System offers no usable slot.
  let slots: VirtualMediaSlot[] = system.virtualMediaPath ? await readSlots(client, system.virtualMediaPath, 'Systems') : [];
  let choice = chooseSlot(slots, quirks);
  if (!choice.slot) {
    for (const m of managers) {
      const body = managerBodies.get(m) ?? (await client.getObject(m)).body;
      const vm = optLink(body, 'VirtualMedia');
      if (vm) slots = slots.concat(await readSlots(client, vm, 'Managers'));
    }
    choice = chooseSlot(slots, quirks);
  }

  const macs: string[] = [];
  const archs: string[] = [];
  if (options.inventory ?? true) {
    if (system.ethernetPath) {
      for (const p of await members(client, system.ethernetPath)) {
        const mac = parseMac((await client.getObject(p)).body);
        if (mac && !macs.includes(mac)) macs.push(mac);
      }
    }
    if (system.processorsPath) {
      for (const p of await members(client, system.processorsPath)) {
        const arch = parseProcessorArchitecture((await client.getObject(p)).body);
        if (arch && !archs.includes(arch)) archs.push(arch);
      }
    }
  }

  const out: Discovery = { root, system, macs, processorArchitectures: archs, cdSlots: slots.filter(isCdSlot), quirks };
  if (vendor) out.vendor = vendor;
  if (managerFirmware) out.managerFirmware = managerFirmware;
  if (resetTypes) out.resetTypes = resetTypes;
  if (choice.slot) out.virtualMedia = choice.slot;
  if (choice.problem) out.virtualMediaProblem = `${client.host}: ${choice.problem}`;
  return out;
}
