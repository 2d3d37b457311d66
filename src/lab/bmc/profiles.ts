// Vendor profiles of the simulated BMC, as data: identity, resource layout and the quirks each
// reproduces. Rows cited are from shared/reference/redfish-quirks.md §1 ("vendor / BMC" column).

export const BMC_PROFILE_NAMES = ['generic', 'dell', 'hpe', 'supermicro', 'lenovo', 'openbmc', 'ami-ampere'] as const;
export type BmcProfileName = (typeof BMC_PROFILE_NAMES)[number];

/** An answer a BMC gives instead of doing what was asked. */
export interface Refusal {
  status: number;
  messageId: string;
  message: string;
}

export interface BmcQuirks {
  /** InsertMedia with `Inserted`/`WriteProtected` → 400 PropertyUnknown. */
  rejectInsertFlags: boolean;
  /** EjectMedia with an empty body → 415; `{}` works. */
  ejectNeedsBody: boolean;
  /** After EjectMedia the slot still reads Inserted with the old Image for this long (ms). */
  staleAfterEjectMs: number;
  /** Actions and PATCHes answer 503 with this MessageId for this long after an action (ms). */
  busyAfterAction?: { ms: number; messageId: string; message: string };
  /** Boot is changed through the `@Redfish.Settings` object; a plain PATCH of Boot → 400 with this MessageId. */
  bootViaSettings?: { path: string; messageId: string };
  /** After eject `ImageName`/`Image` stay; only `ConnectedVia: NotConnected` says empty. */
  imageStaysAfterEject: boolean;
  /** Image URLs must use one of these schemes (OpenBMC: https only). */
  imageSchemes?: string[];
  /** PATCH without If-Match → 428. */
  requireIfMatch: boolean;
  /** For `ms` after a Reset, POST actions answer this (iLO InvalidOperationForSystemState). */
  busyAfterReset?: Refusal & { ms: number };
  /** Power On within `ms` of reaching Off answers this (iDRAC 10: 409). */
  onAfterOff?: Refusal & { ms: number };
  /** Power-on self test after each boot (ms); the lab's bmc_busy_reset fault sets it on any profile. */
  postMs: number;
  /** How a reset and a Boot PATCH are refused during POST. */
  duringPost: { reset: Refusal; bootPatch: Refusal };
  /** Boot properties every Boot PATCH must carry (AMI: the full triple; Supermicro: Enabled). */
  bootRequires: string[];
  /** A Boot PATCH that sets the target without the mode resets the mode to this (Supermicro). */
  targetResetsModeTo?: 'UEFI' | 'Legacy';
  /** Boot properties that cannot change (iLO: BootSourceOverrideMode). */
  bootReadOnly: string[];
  /** GETs of paths starting with this, with `Accept-Encoding: identity` only, answer 406 (HPE Gen10 Plus registries). */
  identityEncoding406?: string;
}

/**
 * How a virtual media slot takes an image URL:
 * `action` InsertMedia/EjectMedia; `patch` no actions, PATCH of Image + Inserted (Lenovo EXT);
 * `proxy` EjectMedia only, mounted from a browser over a WebSocket (OpenBMC);
 * `local` InsertMedia listed but only images uploaded to the BMC (Lenovo RDOC, Remote).
 */
export type SlotMount = 'action' | 'patch' | 'proxy' | 'local';

export interface SlotSpec {
  id: string;
  mediaTypes: string[];
  mount: SlotMount;
}

export interface VirtualMediaSpec {
  /** Under Systems/<id> or Managers/<id>. */
  under: 'Systems' | 'Managers';
  slots: SlotSpec[];
  /** Boot targets that boot the virtual CD (Supermicro X11/X12: UsbCd; Cd is the physical drive). */
  cdTargets: string[];
  /** The firmware verifies the image server's certificate (most BMCs do not). */
  verifyImageTls: boolean;
  /** InsertMedia's allowed TransferProtocolType / TransferMethod values, where the BMC restricts them. */
  transferProtocols?: string[];
  transferMethods?: string[];
}

export interface BmcProfile {
  name: BmcProfileName;
  /** ServiceRoot `Vendor`; undefined where the real service root has none (iLO: only `Oem.Hpe`). */
  vendor?: string;
  rootOem?: Record<string, unknown>;
  manufacturer: string;
  model: string;
  /** The Manager's `Model` (default BMC): clients tell BMC generations by it (iDRAC 10 is "17G Monolithic"). */
  managerModel?: string;
  systemId: string;
  managerId: string;
  virtualMedia: VirtualMediaSpec;
  bootTargets: string[];
  resetTypes: string[];
  processor: { Model: string; Count: number; CoreCount: number; Architecture?: string; InstructionSet?: string };
  firmware: string;
  quirks: BmcQuirks;
}

const STD_RESETS = ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'PowerCycle'];
const STD_TARGETS = ['None', 'Pxe', 'Cd', 'Hdd', 'BiosSetup', 'UefiHttp', 'UefiTarget'];
const X86 = { Model: 'Intel(R) Xeon(R) Gold 6330 CPU @ 2.00GHz', Count: 2, CoreCount: 56, Architecture: 'x86', InstructionSet: 'x86-64' };

const IN_USE = 'Base.1.16.ResourceInUse';
const POST_MESSAGE = 'The system is in power-on self test; the operation is refused. Retry in a moment.';

const NO_QUIRKS: BmcQuirks = {
  rejectInsertFlags: false,
  ejectNeedsBody: false,
  staleAfterEjectMs: 0,
  imageStaysAfterEject: false,
  requireIfMatch: false,
  postMs: 0,
  duringPost: {
    reset: { status: 409, messageId: IN_USE, message: POST_MESSAGE },
    bootPatch: { status: 400, messageId: IN_USE, message: 'The boot settings cannot change during power-on self test; retry in a moment.' },
  },
  bootRequires: [],
  bootReadOnly: [],
};

const CD_TARGETS = ['Cd', 'UsbCd', 'Dvd', 'UefiCd', 'UefiUsbCd'];
const oneSlot = (under: 'Systems' | 'Managers', id: string, mediaTypes: string[]): VirtualMediaSpec => ({
  under,
  slots: [{ id, mediaTypes, mount: 'action' }],
  cdTargets: CD_TARGETS,
  verifyImageTls: false,
});

export const BMC_PROFILES: Record<BmcProfileName, BmcProfile> = {
  // DMTF-like service (no vendor row): what the schemas and DSP0266 say, nothing more.
  generic: {
    name: 'generic',
    vendor: 'Contoso',
    manufacturer: 'Contoso',
    model: 'Lab Server 1U',
    systemId: '1',
    managerId: '1',
    virtualMedia: oneSlot('Managers', 'Cd', ['CD', 'DVD']),
    bootTargets: STD_TARGETS,
    resetTypes: STD_RESETS,
    processor: X86,
    firmware: '1.0.0',
    quirks: NO_QUIRKS,
  },
  // Rows "Dell iDRAC (all)" (stale Inserted after eject), "Dell iDRAC" (SYS518 busy),
  // "Dell iDRAC 9 ≥ 6.00.02" (vmedia under Systems/System.Embedded.1/VirtualMedia/<n>),
  // "Dell iDRAC 10" (slot 1, Boot PATCH through the @Redfish.Settings URI, 409 to On right after off).
  dell: {
    name: 'dell',
    vendor: 'Dell',
    manufacturer: 'Dell Inc.',
    model: 'PowerEdge R770',
    managerModel: '17G Monolithic',
    systemId: 'System.Embedded.1',
    managerId: 'iDRAC.Embedded.1',
    virtualMedia: oneSlot('Systems', '1', ['CD', 'DVD', 'USBStick']),
    bootTargets: ['None', 'Pxe', 'Floppy', 'Cd', 'Hdd', 'BiosSetup', 'Utilities', 'UefiTarget', 'SDCard', 'UefiHttp'],
    resetTypes: ['On', 'ForceOff', 'ForceRestart', 'GracefulRestart', 'GracefulShutdown', 'PushPowerButton', 'Nmi', 'PowerCycle'],
    processor: { ...X86, Model: 'Intel(R) Xeon(R) 6730P' },
    firmware: '2.10.0.0',
    quirks: {
      ...NO_QUIRKS,
      staleAfterEjectMs: 300,
      busyAfterAction: { ms: 150, messageId: 'IDRAC.2.9.SYS518', message: 'iDRAC is not ready. The configuration values cannot be accessed. SYS518' },
      bootViaSettings: { path: 'Settings', messageId: 'IDRAC.2.9.SYS011' },
      onAfterOff: { ms: 300, status: 409, messageId: 'Base.1.16.ActionParameterValueConflict', message: 'The power state cannot change yet: the server is still powering off. Retry in a few seconds.' },
    },
  },
  // Rows "HPE iLO 4/5/6" (EjectMedia with no body → 415), "HPE iLO 4" (Inserted/WriteProtected
  // rejected), "HPE (vendor detection)" (no Vendor, only Oem.Hpe in the service root), "HPE iLO"
  // (InvalidOperationForSystemState after a reset, UnableToModifyDuringSystemPOST in POST),
  // "HPE iLO (Gen9/iLO5)" (BootSourceOverrideMode read-only), "HPE Gen10 Plus" (406 to
  // Accept-Encoding: identity on registries).
  hpe: {
    name: 'hpe',
    rootOem: { Hpe: { '@odata.type': '#HpeiLOServiceExt.v2_3_0.HpeiLOServiceExt', Manager: [{ ManagerType: 'iLO 6', ManagerFirmwareVersion: '1.62' }] } },
    manufacturer: 'HPE',
    model: 'ProLiant DL360 Gen11',
    managerModel: 'iLO 6',
    systemId: '1',
    managerId: '1',
    virtualMedia: oneSlot('Managers', '2', ['CD', 'DVD']),
    bootTargets: ['None', 'Cd', 'Hdd', 'Usb', 'SDCard', 'Utilities', 'Diags', 'BiosSetup', 'Pxe', 'UefiShell', 'UefiHttp', 'UefiTarget'],
    resetTypes: ['On', 'ForceOff', 'GracefulShutdown', 'ForceRestart', 'Nmi', 'PushPowerButton', 'GracefulRestart'],
    processor: { ...X86, Model: 'Intel(R) Xeon(R) Gold 6430' },
    firmware: 'iLO 6 v1.62',
    quirks: {
      ...NO_QUIRKS,
      rejectInsertFlags: true,
      ejectNeedsBody: true,
      busyAfterReset: { ms: 300, status: 400, messageId: 'iLO.2.14.InvalidOperationForSystemState', message: 'The operation cannot be performed in the current system state; the server is resetting.' },
      postMs: 300,
      duringPost: {
        reset: { status: 400, messageId: 'iLO.2.14.InvalidOperationForSystemState', message: POST_MESSAGE },
        bootPatch: { status: 400, messageId: 'iLO.2.14.UnableToModifyDuringSystemPOST', message: 'The value cannot be changed while the server is in POST; retry after POST.' },
      },
      bootReadOnly: ['BootSourceOverrideMode'],
      identityEncoding406: '/redfish/v1/Registries',
    },
  },
  // Rows "Supermicro X11/X12" (Inserted/WriteProtected rejected; UsbCd boot target),
  // "Supermicro" (ImageName stays after eject, only ConnectedVia says NotConnected; Enabled in
  // every Boot PATCH, and a target without the mode resets the mode to Legacy).
  supermicro: {
    name: 'supermicro',
    vendor: 'Supermicro',
    manufacturer: 'Supermicro',
    model: 'SYS-1029U-TRT',
    systemId: '1',
    managerId: '1',
    // X11/X12 boot the virtual CD only as UsbCd (Cd is the physical drive).
    virtualMedia: { ...oneSlot('Managers', 'CD1', ['CD', 'DVD']), cdTargets: ['UsbCd', 'UefiUsbCd'] },
    bootTargets: ['None', 'Pxe', 'Hdd', 'Diags', 'Cd', 'BiosSetup', 'FloppyRemovableMedia', 'UsbKey', 'UsbHdd', 'UsbFloppy', 'UsbCd', 'UefiUsbKey', 'UefiCd', 'UefiHdd', 'UefiUsbHdd', 'UefiUsbCd'],
    resetTypes: ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'Nmi', 'ForceOn'],
    processor: { ...X86, Model: 'Intel(R) Xeon(R) Silver 4210R' },
    firmware: '01.73.06',
    quirks: { ...NO_QUIRKS, rejectInsertFlags: true, imageStaysAfterEject: true, bootRequires: ['BootSourceOverrideEnabled'], targetResetsModeTo: 'Legacy' },
  },
  // Rows "Lenovo XCC" (PATCH without If-Match → 428; RDOC/Remote slots cannot take an URL),
  // "Lenovo XCC (SD530, SR630 v2)" (EXT slots: no InsertMedia, PATCH of Image + Inserted).
  lenovo: {
    name: 'lenovo',
    vendor: 'Lenovo',
    manufacturer: 'Lenovo',
    model: 'ThinkSystem SR630 V3',
    managerModel: 'XCC',
    systemId: '1',
    managerId: '1',
    // EXT1..4 take an URL by PATCH only; RDOC1/2 (images uploaded to the XCC) and Remote1..4
    // (mounted from the remote console) list InsertMedia but cannot take an URL.
    virtualMedia: {
      under: 'Managers',
      slots: [
        ...['RDOC1', 'RDOC2'].map((id) => ({ id, mediaTypes: ['CD', 'DVD', 'USBStick'], mount: 'local' as const })),
        ...['EXT1', 'EXT2', 'EXT3', 'EXT4'].map((id) => ({ id, mediaTypes: ['CD', 'DVD', 'USBStick'], mount: 'patch' as const })),
        ...['Remote1', 'Remote2', 'Remote3', 'Remote4'].map((id) => ({ id, mediaTypes: ['CD', 'DVD', 'USBStick'], mount: 'local' as const })),
      ],
      cdTargets: CD_TARGETS,
      verifyImageTls: false,
    },
    bootTargets: ['None', 'Pxe', 'Cd', 'Usb', 'Hdd', 'BiosSetup', 'Diags', 'UefiTarget', 'UefiHttp'],
    resetTypes: ['On', 'Nmi', 'GracefulShutdown', 'GracefulRestart', 'ForceOn', 'ForceOff', 'ForceRestart'],
    processor: { ...X86, Model: 'Intel(R) Xeon(R) Gold 5418Y' },
    firmware: 'XCC 3.10',
    quirks: { ...NO_QUIRKS, requireIfMatch: true },
  },
  // Row "OpenBMC (bmcweb)": vmedia under Managers/bmc, https:// images only, MediaTypes CD + USBStick,
  // proxy slots without InsertMedia, TransferProtocolType HTTPS/CIFS and TransferMethod Stream only.
  openbmc: {
    name: 'openbmc',
    vendor: 'OpenBMC',
    rootOem: { OpenBMC: { '@odata.type': '#OpenBMCServiceRoot.v1_0_0.OpenBMC' } },
    manufacturer: 'OpenBMC Lab',
    model: 'Hyperscale Node',
    systemId: 'system',
    managerId: 'bmc',
    // bmcweb: proxy slots (WebSocket from a browser, EjectMedia only) before the legacy ones.
    virtualMedia: {
      under: 'Managers',
      slots: [
        { id: 'Slot_0', mediaTypes: ['CD', 'USBStick'], mount: 'proxy' },
        { id: 'Slot_1', mediaTypes: ['CD', 'USBStick'], mount: 'proxy' },
        { id: 'Slot_2', mediaTypes: ['CD', 'USBStick'], mount: 'action' },
        { id: 'Slot_3', mediaTypes: ['CD', 'USBStick'], mount: 'action' },
      ],
      cdTargets: CD_TARGETS,
      verifyImageTls: false,
      transferProtocols: ['HTTPS', 'CIFS'],
      transferMethods: ['Stream'],
    },
    bootTargets: ['None', 'Pxe', 'Hdd', 'Cd', 'Diags', 'BiosSetup', 'Usb'],
    resetTypes: ['On', 'ForceOff', 'ForceOn', 'ForceRestart', 'GracefulRestart', 'GracefulShutdown', 'PowerCycle', 'Nmi'],
    processor: { ...X86, Model: 'AMD EPYC 9354' },
    firmware: '2.16.0',
    quirks: { ...NO_QUIRKS, imageSchemes: ['https:', 'smb:'] },
  },
  // Row "AMI MegaRAC / ASRockRack / Gigabyte" (Ampere Altra Max board): Boot through the
  // @Redfish.Settings URI Systems/Self/SD, plain PATCH → Ami.1.0.OperationSupportedInFutureStateURI;
  // a Boot PATCH must carry mode, enabled and target together.
  'ami-ampere': {
    name: 'ami-ampere',
    vendor: 'AMI',
    manufacturer: 'GIGABYTE',
    model: 'R282-P91-00',
    systemId: 'Self',
    managerId: 'Self',
    virtualMedia: oneSlot('Managers', 'CD1', ['CD', 'DVD']),
    bootTargets: ['None', 'Pxe', 'Cd', 'Usb', 'Hdd', 'BiosSetup', 'UefiTarget', 'UefiHttp'],
    resetTypes: ['On', 'ForceOff', 'GracefulShutdown', 'ForceRestart', 'GracefulRestart'],
    processor: { Model: 'Ampere(R) Altra(R) Max Processor M128-30', Count: 2, CoreCount: 256, Architecture: 'ARM', InstructionSet: 'ARM-A64' },
    firmware: '13.06.20',
    quirks: {
      ...NO_QUIRKS,
      bootViaSettings: { path: 'SD', messageId: 'Ami.1.0.OperationSupportedInFutureStateURI' },
      bootRequires: ['BootSourceOverrideEnabled', 'BootSourceOverrideMode', 'BootSourceOverrideTarget'],
    },
  },
};

export function isBmcProfileName(v: string): v is BmcProfileName {
  return (BMC_PROFILE_NAMES as readonly string[]).includes(v);
}

/**
 * Profiles per host from the lab option: one name for all, `mixed` (cycle through every
 * profile), or a comma list cycled through.
 */
export function assignProfiles(spec: string, count: number): BmcProfileName[] {
  const names = spec === 'mixed' ? [...BMC_PROFILE_NAMES] : spec.split(',').map((s) => s.trim());
  const bad = names.find((n) => !isBmcProfileName(n));
  if (bad !== undefined || names.length === 0) {
    throw new Error(`unknown BMC profile "${bad ?? spec}" (expected mixed or one of: ${BMC_PROFILE_NAMES.join(', ')})`);
  }
  return Array.from({ length: count }, (_, i) => names[i % names.length] as BmcProfileName);
}
