// Vendor quirks as data. The client consults the `retry` rows; the modules will consult the
// others through `hasQuirk`/`quirksOf`, never by branching on a vendor name themselves. Each
// row names where the fact comes from (see ../shared/reference/redfish-quirks.md, section 1).

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE' | 'HEAD';

export interface QuirkMatch {
  /** Against the System's `Manufacturer` (or the service root's vendor); case-insensitive. */
  manufacturer: RegExp;
  /** Against the System's `Model`. */
  model?: RegExp;
  /** Against the Manager's `Model` (Dell says the server generation there: "17G Monolithic"). */
  managerModel?: RegExp;
  /** Against the Manager's `FirmwareVersion`. */
  firmware?: RegExp;
}

/** An answer that means "not now" rather than "no": the client waits and sends it again. */
export interface TransientAnswer {
  methods: HttpMethod[];
  statuses: number[];
  /** Matched against the error's `code`, the MessageIds and the messages. */
  text?: RegExp;
  /** Only for requests to a path like this (e.g. the Reset action). */
  path?: RegExp;
  /** Only when the request body has one of these values in this field (e.g. ResetType On). */
  requestField?: { name: string; values: string[] };
  attempts: number;
  delayMs: number;
}

export type QuirkEffect =
  | { kind: 'retry'; answer: TransientAnswer }
  /** Boot target `from` must be sent as `to` (unless the model matches `exceptModel`). */
  | { kind: 'boot-target-alias'; from: string; to: string; exceptModel?: RegExp }
  /** Eject every CD slot before an insert: a stale "inserted" survives an eject. */
  | { kind: 'eject-before-insert' }
  /** EjectMedia body: `{}` or none at all; the other form is refused. */
  | { kind: 'eject-body'; body: 'empty-object' | 'none' }
  /** Boot changes go to the `@Redfish.Settings` object, not to the System. */
  | { kind: 'boot-via-settings' }
  /** Boot PATCH must carry target, enabled and mode together. */
  | { kind: 'boot-full-triple' }
  /** InsertMedia/PATCH must not carry these properties. */
  | { kind: 'insert-omit'; properties: string[] }
  /** Only these image URL schemes can be mounted. */
  | { kind: 'image-schemes'; schemes: string[] }
  /** Slots whose id matches cannot take an image URL. */
  | { kind: 'skip-slot'; idPattern: RegExp }
  /** Only `ConnectedVia: NotConnected` says the slot is empty (Image stays set after eject). */
  | { kind: 'empty-by-connected-via' };

export type QuirkKind = QuirkEffect['kind'];

export interface QuirkRow {
  id: string;
  vendor: string;
  match: QuirkMatch;
  effect: QuirkEffect;
  /** Why, in a few words. */
  note: string;
  /** The reference's source for the fact. */
  source: string;
}

const DELL = /^dell/i;
const HPE = /^(hpe?|hewlett)/i;
const SUPERMICRO = /^supermicro/i;
const LENOVO = /^lenovo/i;
const OPENBMC = /openbmc/i;
const AMI = /^(ami|american megatrends|asrock ?rack|gigabyte|giga computing)/i;
/** Rows every BMC gets: spec behaviours that are not a vendor's. */
const ANY = /(?:)/;

export const QUIRKS: readonly QuirkRow[] = [
  {
    id: 'session-limit-503',
    vendor: 'any (iDRAC RAC0218 most often)',
    match: { manufacturer: ANY },
    effect: { kind: 'retry', answer: { methods: ['POST'], statuses: [503], path: /\/Sessions$/, attempts: 5, delayMs: 5000 } },
    note: 'session slots exhausted by clients that never log out; wait for one to expire',
    source: 'issues stmcginnis/gofish#75, bb-Ricardo/check_redfish#89 (reference §1 Dell session row)',
  },
  {
    id: 'resource-in-use',
    vendor: 'any (the spec Base registry message)',
    match: { manufacturer: ANY },
    // Only the System's reset and its boot PATCH: an InsertMedia "in use" means a mounted image,
    // which waiting does not change.
    effect: {
      kind: 'retry',
      answer: { methods: ['POST', 'PATCH'], statuses: [400, 409, 503], text: /\bResourceInUse$/, path: /ComputerSystem\.Reset$|\/Systems\/[^/]+(\/[^/]+)?$/, attempts: 6, delayMs: 2000 },
    },
    note: 'Base.ResourceInUse: "in use or in transition" (during POST, right after a reset); resubmit later',
    source: 'DMTF Base message registry (ResourceInUse resolution: "resubmit the request")',
  },
  {
    id: 'dell-sys518',
    vendor: 'Dell iDRAC',
    match: { manufacturer: DELL },
    effect: { kind: 'retry', answer: { methods: ['POST', 'PATCH'], statuses: [400, 409, 500, 503], text: /SYS518/, attempts: 10, delayMs: 3000 } },
    note: 'iDRAC not ready after the previous operation',
    source: 'openstack/sushy sushy/connector.py (check_retry_on_exception)',
  },
  {
    id: 'dell-insert-after-eject-5xx',
    vendor: 'Dell iDRAC',
    match: { manufacturer: DELL },
    effect: { kind: 'retry', answer: { methods: ['POST'], statuses: [500, 502, 503], path: /InsertMedia$/, attempts: 3, delayMs: 3000 } },
    note: 'insert right after an eject fails while the eject finishes',
    source: 'openstack/ironic ironic/drivers/modules/redfish/boot.py (_test_retry, story 2008504)',
  },
  {
    id: 'dell-on-after-off-409',
    vendor: 'Dell iDRAC 10',
    match: { manufacturer: DELL },
    effect: {
      kind: 'retry',
      answer: { methods: ['POST'], statuses: [409], path: /ComputerSystem\.Reset$/, requestField: { name: 'ResetType', values: ['On', 'ForceOn'] }, attempts: 6, delayMs: 10000 },
    },
    note: 'power On right after power-off answers 409 ActionParameterValueConflict',
    source: 'openstack/ironic ironic/drivers/modules/redfish/power.py',
  },
  {
    id: 'dell-eject-before-insert',
    vendor: 'Dell iDRAC',
    match: { manufacturer: DELL },
    effect: { kind: 'eject-before-insert' },
    note: 'slot reports Inserted with the old Image right after EjectMedia',
    source: 'openstack/ironic ironic/drivers/modules/redfish/boot.py (_insert_vmedia_in_resource, NOTE(cid))',
  },
  {
    id: 'dell-idrac10-boot-settings',
    vendor: 'Dell iDRAC 10',
    // By generation, not firmware: iDRAC 8's 2.x firmware would look like iDRAC 10's.
    match: { manufacturer: DELL, managerModel: /^(1[7-9]|[2-9]\d)G\b/ },
    effect: { kind: 'boot-via-settings' },
    note: 'PATCH of Systems/<id> Boot refused; the @Redfish.Settings URI must be patched',
    source: 'openstack/ironic ironic/drivers/modules/drac/boot.py (model gen > 16); ansible-collections/community.general plugins/module_utils/_redfish_utils.py (set_boot_override_with_settings_uri)',
  },
  {
    id: 'hpe-invalid-state',
    vendor: 'HPE iLO',
    match: { manufacturer: HPE },
    effect: { kind: 'retry', answer: { methods: ['POST'], statuses: [400, 409, 500, 503], text: /InvalidOperationForSystemState/, attempts: 10, delayMs: 3000 } },
    note: 'actions right after a reset are refused for a while',
    source: 'openstack/sushy sushy/connector.py (check_retry_on_exception)',
  },
  {
    id: 'hpe-during-post',
    vendor: 'HPE iLO',
    match: { manufacturer: HPE },
    effect: { kind: 'retry', answer: { methods: ['PATCH', 'POST'], statuses: [400, 409, 503], text: /UnableToModifyDuringSystemPOST/, attempts: 6, delayMs: 5000 } },
    note: 'boot override refused while the server is in POST',
    source: 'openstack/ironic ironic/drivers/modules/redfish/management.py (_is_during_post_error)',
  },
  {
    id: 'hpe-eject-body',
    vendor: 'HPE iLO',
    match: { manufacturer: HPE },
    effect: { kind: 'eject-body', body: 'empty-object' },
    note: 'EjectMedia without a body answers 415/400',
    source: 'openstack/sushy sushy/resources/manager/virtual_media.py (eject_media)',
  },
  {
    id: 'hpe-insert-omit',
    vendor: 'HPE iLO 4',
    match: { manufacturer: HPE },
    effect: { kind: 'insert-omit', properties: ['Inserted', 'WriteProtected'] },
    note: 'InsertMedia/PATCH rejects Inserted and WriteProtected',
    source: 'ansible-collections/community.general _redfish_utils.py (virtual_media_insert, PR #4596)',
  },
  {
    id: 'supermicro-usbcd',
    vendor: 'Supermicro',
    match: { manufacturer: SUPERMICRO },
    effect: { kind: 'boot-target-alias', from: 'Cd', to: 'UsbCd', exceptModel: /ARS-111GL-NHR/i },
    note: 'virtual media boots only via UsbCd; Cd is listed but boots nothing',
    source: 'openstack/sushy sushy/resources/system/system.py (set_system_boot_options, _supermicro_models_cd_vmedia)',
  },
  {
    id: 'supermicro-insert-omit',
    vendor: 'Supermicro X11/X12',
    match: { manufacturer: SUPERMICRO },
    effect: { kind: 'insert-omit', properties: ['Inserted', 'WriteProtected'] },
    note: 'InsertMedia with Inserted/WriteProtected answers 400 "not in the list of valid properties"',
    source: 'openstack/sushy sushy/resources/manager/virtual_media.py (NOTE(janders)); community.general PR #4839',
  },
  {
    id: 'supermicro-connected-via',
    vendor: 'Supermicro',
    match: { manufacturer: SUPERMICRO },
    effect: { kind: 'empty-by-connected-via' },
    note: 'ImageName stays set after eject; ConnectedVia NotConnected means empty',
    source: 'ansible-collections/community.general _redfish_utils.py (_find_empty_virt_media_slot, PR #12537)',
  },
  {
    id: 'supermicro-full-boot',
    vendor: 'Supermicro',
    match: { manufacturer: SUPERMICRO },
    effect: { kind: 'boot-full-triple' },
    note: 'Enabled must be sent every time; patching the target resets the mode',
    source: 'openstack/ironic ironic/drivers/modules/redfish/management.py (_set_boot_device)',
  },
  {
    id: 'lenovo-skip-rdoc-remote',
    vendor: 'Lenovo XCC',
    match: { manufacturer: LENOVO },
    effect: { kind: 'skip-slot', idPattern: /RDOC|Remote/i },
    note: 'RDOC1/2 and Remote1..4 slots cannot take an image URL',
    source: 'ansible-collections/community.general _redfish_utils.py (_find_empty_virt_media_slot); lenovo/python-redfish-lenovo#21',
  },
  {
    id: 'openbmc-https-only',
    vendor: 'OpenBMC (bmcweb)',
    match: { manufacturer: OPENBMC },
    effect: { kind: 'image-schemes', schemes: ['https', 'smb'] },
    note: 'http:// images answer ResourceAtUriInUnknownFormat',
    source: 'openbmc/bmcweb redfish-core/lib/virtual_media.hpp',
  },
  {
    id: 'ami-full-boot',
    vendor: 'AMI MegaRAC / ASRockRack / Gigabyte (Ampere Altra)',
    match: { manufacturer: AMI },
    effect: { kind: 'boot-full-triple' },
    note: 'Boot PATCH must carry mode, enabled and target together',
    source: 'openstack/ironic ironic/drivers/modules/redfish/management.py (VENDORS_REQUIRING_FULL_BOOT_REQUEST)',
  },
  {
    id: 'ami-boot-settings',
    vendor: 'AMI MegaRAC / Gigabyte (Ampere Altra)',
    match: { manufacturer: AMI },
    effect: { kind: 'boot-via-settings' },
    note: 'a plain Boot PATCH answers Ami.1.0.OperationSupportedInFutureStateURI',
    source: 'openstack/sushy sushy/resources/system/system.py (_settings); ironcore-dev/metal-operator#188',
  },
];

export interface QuirkIdentity {
  manufacturer: string;
  /** The service root's `Vendor` (or its Oem key), or the inventory's `bmc.vendor`: OpenBMC says so only there. */
  vendor?: string;
  model?: string;
  managerModel?: string;
  firmware?: string;
}

/** The rows that apply to a BMC: all its match fields must match; a row's absent field matches anything. */
export function selectQuirks(identity: QuirkIdentity, table: readonly QuirkRow[] = QUIRKS): QuirkRow[] {
  return table.filter((row) => {
    const m = row.match;
    const names = [identity.manufacturer, identity.vendor].filter((n): n is string => n !== undefined && n !== '');
    if (!names.some((n) => m.manufacturer.test(n)) && !(names.length === 0 && m.manufacturer.test(''))) return false;
    if (m.model && !(identity.model !== undefined && m.model.test(identity.model))) return false;
    if (m.managerModel && !(identity.managerModel !== undefined && m.managerModel.test(identity.managerModel))) return false;
    if (m.firmware && !(identity.firmware !== undefined && m.firmware.test(identity.firmware))) return false;
    return true;
  });
}

export function quirksOf<K extends QuirkKind>(rows: readonly QuirkRow[], kind: K): Extract<QuirkEffect, { kind: K }>[] {
  return rows.map((r) => r.effect).filter((e): e is Extract<QuirkEffect, { kind: K }> => e.kind === kind);
}

export function hasQuirk(rows: readonly QuirkRow[], kind: QuirkKind): boolean {
  return rows.some((r) => r.effect.kind === kind);
}

/** The retry rows the client uses before discovery: codes like SYS518 are vendor-unique anyway. */
export const ALL_RETRY_ROWS: readonly QuirkRow[] = QUIRKS.filter((r) => r.effect.kind === 'retry');

export interface AnswerFacts {
  method: string;
  path: string;
  status: number;
  /** `error.code`, MessageIds and messages of the answer. */
  texts: string[];
  requestBody: unknown;
}

/** The first transient-answer row this answer fits, if any. */
export function matchTransient(rows: readonly QuirkRow[], facts: AnswerFacts): (TransientAnswer & { id: string }) | undefined {
  for (const row of rows) {
    if (row.effect.kind !== 'retry') continue;
    const a = row.effect.answer;
    if (!a.methods.includes(facts.method as HttpMethod) || !a.statuses.includes(facts.status)) continue;
    if (a.path && !a.path.test(facts.path)) continue;
    if (a.text && !facts.texts.some((t) => a.text?.test(t))) continue;
    if (a.requestField) {
      const body = facts.requestBody;
      const v = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[a.requestField.name] : undefined;
      if (typeof v !== 'string' || !a.requestField.values.includes(v)) continue;
    }
    return { ...a, id: row.id };
  }
  return undefined;
}
