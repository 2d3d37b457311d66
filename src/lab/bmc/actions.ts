// What a simulated BMC's actions do to its machine, with the vendor's quirks (profile) and the
// lab's faults: InsertMedia/EjectMedia, ComputerSystem.Reset, Boot PATCH, and what the CD slot reads.

import { BASE, badRequest, RedfishError } from './errors.js';
import type { BmcProfile } from './profiles.js';
import type { Json, MediaView, Paths } from './resources.js';
import type { MachineState } from './state.js';

export interface ActionFaults {
  busyResetMs?: number;
  staleMediaMs?: number;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class MachineActions {
  private busyUntil = 0;
  private lastImage: string | null = null;

  constructor(
    private readonly profile: BmcProfile,
    private readonly machine: MachineState,
    private readonly paths: Paths,
    private readonly faults: ActionFaults,
  ) {}

  /** The vendor's "not ready after the previous operation" answer (iDRAC SYS518). */
  checkBusy(): void {
    const busy = this.profile.quirks.busyAfterAction;
    if (busy && Date.now() < this.busyUntil) throw new RedfishError(500, busy.messageId, busy.message);
  }

  private markBusy(): void {
    const busy = this.profile.quirks.busyAfterAction;
    if (busy) this.busyUntil = Date.now() + busy.ms;
  }

  /** Reset refused while the machine runs its power-on self test (fault bmc_busy_reset). */
  private checkPost(): void {
    if (Date.now() < this.machine.postUntil || (this.faults.busyResetMs && this.machine.power === 'PoweringOn')) {
      const id = this.profile.name === 'hpe' ? 'iLO.2.14.InvalidOperationForSystemState' : `${BASE}.ResourceInUse`;
      throw new RedfishError(409, id, 'The system is in power-on self test; the operation is refused. Retry in a moment.');
    }
  }


  mediaView(): MediaView {
    const m = this.machine.media;
    if (Date.now() < m.staleUntil) return { image: m.staleImage, inserted: true, connected: true, writeProtected: m.writeProtected };
    if (!m.inserted && this.profile.quirks.imageStaysAfterEject && this.lastImage) {
      return { image: this.lastImage, inserted: true, connected: false, writeProtected: m.writeProtected };
    }
    return { image: m.image, inserted: m.inserted, connected: m.inserted, writeProtected: m.writeProtected };
  }

  insertMedia(body: Json | undefined): undefined {
    this.checkBusy();
    const q = this.profile.quirks;
    if (!body) throw badRequest('ActionParameterMissing', 'InsertMedia needs a JSON body with Image.');
    const known = ['Image', 'Inserted', 'WriteProtected', 'TransferMethod', 'TransferProtocolType', 'UserName', 'Password'];
    for (const k of Object.keys(body)) {
      if (!known.includes(k) || (q.rejectInsertFlags && (k === 'Inserted' || k === 'WriteProtected'))) {
        throw badRequest('PropertyUnknown', `The property ${k} is not in the list of valid properties for the resource.`);
      }
    }
    const image = body.Image;
    if (typeof image !== 'string' || image === '') throw badRequest('ActionParameterMissing', 'The action InsertMedia requires the parameter Image.');
    let scheme: string;
    try {
      scheme = new URL(image).protocol;
    } catch {
      throw badRequest('ActionParameterValueFormatError', `The value ${image} for the parameter Image is not a URL.`);
    }
    const schemes = q.imageSchemes ?? ['http:', 'https:', 'nfs:', 'cifs:', 'smb:'];
    if (!schemes.includes(scheme)) {
      throw badRequest('ResourceAtUriInUnknownFormat', `The resource at ${image} is in a format not recognised by the service (use ${schemes.join(' or ')}).`);
    }
    if (body.Inserted === false) throw badRequest('ActionParameterValueNotInList', 'Inserted false is not supported by InsertMedia.');
    const m = this.machine.media;
    if (m.inserted) throw new RedfishError(409, `${BASE}.ResourceInUse`, 'Virtual media is already inserted in this slot; eject it first.');
    m.image = image;
    m.inserted = true;
    m.writeProtected = body.WriteProtected !== false;
    m.staleUntil = 0;
    this.lastImage = image;
    this.markBusy();
    return undefined;
  }

  ejectMedia(raw: Buffer, body: Json | undefined): undefined {
    this.checkBusy();
    if (raw.length === 0 && this.profile.quirks.ejectNeedsBody) {
      throw new RedfishError(415, `${BASE}.UnsupportedMediaType`, 'The request needs a JSON body; send {}.');
    }
    if (raw.length > 0 && !body) throw badRequest('MalformedJSON', 'The request body is not a JSON object.');
    const m = this.machine.media;
    const staleMs = this.faults.staleMediaMs ?? this.profile.quirks.staleAfterEjectMs;
    if (m.inserted && staleMs > 0) {
      m.staleImage = m.image;
      m.staleUntil = Date.now() + staleMs;
    }
    m.image = null;
    m.inserted = false;
    this.markBusy();
    return undefined;
  }

  resetSystem(body: Json | undefined): undefined {
    this.checkBusy();
    this.checkPost();
    const type = body?.ResetType;
    if (typeof type !== 'string') throw badRequest('ActionParameterMissing', 'The action ComputerSystem.Reset requires the parameter ResetType.');
    if (!this.profile.resetTypes.includes(type)) {
      throw badRequest('ActionParameterValueNotInList', `The value ${type} for ResetType is not one of: ${this.profile.resetTypes.join(', ')}.`);
    }
    this.machine.reset(type);
    this.markBusy();
    return undefined;
  }

  patchBoot(body: Json, viaSettings: boolean): void {
    const known = viaSettings ? ['Boot', '@odata.etag'] : ['Boot', 'AssetTag', '@odata.etag'];
    for (const k of Object.keys(body)) if (!known.includes(k)) throw badRequest('PropertyNotWritable', `The property ${k} is read-only or unknown.`);
    const boot = body.Boot;
    if (boot === undefined) return;
    if (!isObject(boot)) throw badRequest('PropertyValueTypeError', 'Boot must be an object.');
    const via = this.profile.quirks.bootViaSettings;
    if (via && !viaSettings) {
      throw new RedfishError(400, via.messageId, `Boot is changed through the settings object ${this.paths.settings ?? ''}; PATCH that instead.`);
    }
    if (Date.now() < this.machine.postUntil) {
      const id = this.profile.name === 'hpe' ? 'iLO.2.14.UnableToModifyDuringSystemPOST' : `${BASE}.ResourceInUse`;
      throw new RedfishError(400, id, 'The boot settings cannot change during power-on self test; retry in a moment.');
    }
    const next = { ...this.machine.boot };
    for (const [k, v] of Object.entries(boot)) {
      const bad = (allowed: readonly string[]): RedfishError =>
        badRequest('PropertyValueNotInList', `The value ${JSON.stringify(v)} for the property ${k} is not in the list of acceptable values (${allowed.join(', ')}).`);
      if (k === 'BootSourceOverrideEnabled') {
        const allowed = ['Disabled', 'Once', 'Continuous'] as const;
        const hit = allowed.find((a) => a === v);
        if (!hit) throw bad(allowed);
        next.enabled = hit;
      } else if (k === 'BootSourceOverrideTarget') {
        if (typeof v !== 'string' || !this.profile.bootTargets.includes(v)) throw bad(this.profile.bootTargets);
        next.target = v;
      } else if (k === 'BootSourceOverrideMode') {
        const allowed = ['UEFI', 'Legacy'] as const;
        const hit = allowed.find((a) => a === v);
        if (!hit) throw bad(allowed);
        next.mode = hit;
      } else if (k === 'UefiTargetBootSourceOverride' || k === 'HttpBootUri') {
        if (v !== null && typeof v !== 'string') throw bad(['a string', 'null']);
        if (k === 'HttpBootUri') next.httpBootUri = v ?? undefined;
        else next.uefiTarget = v ?? undefined;
      } else throw badRequest('PropertyUnknown', `The property Boot/${k} is not in the list of valid properties for the resource.`);
    }
    this.machine.boot = next;
  }
}
