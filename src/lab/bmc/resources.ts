// The Redfish documents of one simulated BMC (DSP0268 schemas: ServiceRoot, SessionService,
// AccountService, ComputerSystem, Manager, Chassis, EthernetInterface, VirtualMedia, ActionInfo),
// built from its profile and state at each read.

import type { BmcProfile, SlotSpec } from './profiles.js';
import type { MachineState } from './state.js';

export type Json = Record<string, unknown>;

export const ROOT = '/redfish/v1';

export interface BmcIdentity {
  name: string;
  address: string;
  uuid: string;
  serial: string;
  mac: string;
}

export interface Paths {
  system: string;
  manager: string;
  chassis: string;
  vmediaCollection: string;
  /** One path per slot, in the profile's order. */
  slots: { spec: SlotSpec; path: string }[];
  settings?: string;
}

export function pathsFor(p: BmcProfile): Paths {
  const system = `${ROOT}/Systems/${p.systemId}`;
  const manager = `${ROOT}/Managers/${p.managerId}`;
  const vmediaCollection = `${p.virtualMedia.under === 'Systems' ? system : manager}/VirtualMedia`;
  return {
    system,
    manager,
    chassis: `${ROOT}/Chassis/1`,
    vmediaCollection,
    slots: p.virtualMedia.slots.map((spec) => ({ spec, path: `${vmediaCollection}/${spec.id}` })),
    ...(p.quirks.bootViaSettings ? { settings: `${system}/${p.quirks.bootViaSettings.path}` } : {}),
  };
}

const link = (id: string): Json => ({ '@odata.id': id });

export function collection(type: string, id: string, name: string, members: string[]): Json {
  return {
    '@odata.type': `#${type}.${type}`,
    '@odata.id': id,
    Name: name,
    Members: members.map(link),
    'Members@odata.count': members.length,
  };
}

export function serviceRoot(p: BmcProfile, who: BmcIdentity): Json {
  return {
    '@odata.type': '#ServiceRoot.v1_15_0.ServiceRoot',
    '@odata.id': `${ROOT}/`,
    Id: 'RootService',
    Name: 'Root Service',
    RedfishVersion: '1.15.0',
    UUID: who.uuid,
    ...(p.vendor ? { Vendor: p.vendor } : {}),
    Product: p.model,
    ProtocolFeaturesSupported: { ExcerptQuery: false, ExpandQuery: { ExpandAll: false, Levels: false, Links: false, NoLinks: false }, FilterQuery: false, OnlyMemberQuery: false, SelectQuery: false },
    Systems: link(`${ROOT}/Systems`),
    Managers: link(`${ROOT}/Managers`),
    Chassis: link(`${ROOT}/Chassis`),
    SessionService: link(`${ROOT}/SessionService`),
    AccountService: link(`${ROOT}/AccountService`),
    Tasks: link(`${ROOT}/TaskService`),
    Registries: link(`${ROOT}/Registries`),
    Links: { Sessions: link(`${ROOT}/SessionService/Sessions`) },
    ...(p.rootOem ? { Oem: p.rootOem } : {}),
  };
}

export function odataDocument(): Json {
  const entry = (name: string, url: string): Json => ({ name, kind: 'Singleton', url });
  return {
    '@odata.context': `${ROOT}/$metadata`,
    value: [
      entry('Service', `${ROOT}/`),
      entry('Systems', `${ROOT}/Systems`),
      entry('Chassis', `${ROOT}/Chassis`),
      entry('Managers', `${ROOT}/Managers`),
      entry('SessionService', `${ROOT}/SessionService`),
      entry('AccountService', `${ROOT}/AccountService`),
      entry('Tasks', `${ROOT}/TaskService`),
      entry('Registries', `${ROOT}/Registries`),
    ],
  };
}

const SCHEMAS = [
  ['ServiceRoot', 'v1_15_0'], ['ComputerSystemCollection', ''], ['ComputerSystem', 'v1_20_0'], ['ManagerCollection', ''],
  ['Manager', 'v1_17_0'], ['ChassisCollection', ''], ['Chassis', 'v1_23_0'], ['SessionService', 'v1_1_8'],
  ['SessionCollection', ''], ['Session', 'v1_6_0'], ['AccountService', 'v1_13_0'], ['ManagerAccountCollection', ''],
  ['ManagerAccount', 'v1_10_0'], ['RoleCollection', ''], ['Role', 'v1_3_1'], ['VirtualMediaCollection', ''],
  ['VirtualMedia', 'v1_6_0'], ['ActionInfo', 'v1_3_0'], ['EthernetInterfaceCollection', ''],
  ['EthernetInterface', 'v1_10_0'], ['Settings', 'v1_3_5'], ['TaskService', 'v1_2_0'], ['TaskCollection', ''], ['Task', 'v1_7_1'],
  ['MessageRegistryFileCollection', ''], ['MessageRegistryFile', 'v1_1_3'], ['ProcessorCollection', ''], ['Processor', 'v1_20_0'], ['Message', 'v1_1_1'], ['RedfishExtensions', 'v1_0_0'],
] as const;

/** A CSDL document referencing the DMTF schemas this service uses (DSP0266 §8.4 "$metadata"). */
export function metadataXml(): string {
  const refs = SCHEMAS.map(([s, v]) => {
    const ns = v ? `\n    <edmx:Include Namespace="${s}.${v}"/>` : '';
    return `  <edmx:Reference Uri="http://redfish.dmtf.org/schemas/v1/${s}_v1.xml">\n    <edmx:Include Namespace="${s}"/>${ns}\n  </edmx:Reference>`;
  }).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">
${refs}
  <edmx:DataServices>
    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="Service">
      <EntityContainer Name="Service" Extends="ServiceRoot.v1_15_0.ServiceContainer"/>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
`;
}

export function taskService(): Json {
  return {
    '@odata.type': '#TaskService.v1_2_0.TaskService',
    '@odata.id': `${ROOT}/TaskService`,
    Id: 'TaskService',
    Name: 'Task Service',
    ServiceEnabled: true,
    Tasks: link(`${ROOT}/TaskService/Tasks`),
  };
}

/** The message registries this service uses: Base, published by the DMTF. */
export function registryFile(id: string): Json {
  return {
    '@odata.type': '#MessageRegistryFile.v1_1_3.MessageRegistryFile',
    '@odata.id': `${ROOT}/Registries/${id}`,
    Id: id,
    Name: `${id} Message Registry File`,
    Registry: id,
    Languages: ['en'],
    Location: [{ Language: 'en', PublicationUri: `https://redfish.dmtf.org/registries/${id}.json` }],
  };
}

export function sessionService(timeoutSec: number): Json {
  return {
    '@odata.type': '#SessionService.v1_1_8.SessionService',
    '@odata.id': `${ROOT}/SessionService`,
    Id: 'SessionService',
    Name: 'Session Service',
    ServiceEnabled: true,
    SessionTimeout: timeoutSec,
    Status: { State: 'Enabled', Health: 'OK' },
    Sessions: link(`${ROOT}/SessionService/Sessions`),
  };
}

export function sessionDoc(id: string, user: string): Json {
  return {
    '@odata.type': '#Session.v1_6_0.Session',
    '@odata.id': `${ROOT}/SessionService/Sessions/${id}`,
    Id: id,
    Name: `Session ${id}`,
    UserName: user,
  };
}

export const ROLES: Record<string, string[]> = {
  Administrator: ['Login', 'ConfigureManager', 'ConfigureUsers', 'ConfigureSelf', 'ConfigureComponents'],
  Operator: ['Login', 'ConfigureSelf', 'ConfigureComponents'],
  ReadOnly: ['Login', 'ConfigureSelf'],
};

export function accountService(): Json {
  return {
    '@odata.type': '#AccountService.v1_13_0.AccountService',
    '@odata.id': `${ROOT}/AccountService`,
    Id: 'AccountService',
    Name: 'Account Service',
    ServiceEnabled: true,
    MinPasswordLength: 8,
    MaxPasswordLength: 40,
    Accounts: link(`${ROOT}/AccountService/Accounts`),
    Roles: link(`${ROOT}/AccountService/Roles`),
  };
}

export function account(user: string): Json {
  return {
    '@odata.type': '#ManagerAccount.v1_10_0.ManagerAccount',
    '@odata.id': `${ROOT}/AccountService/Accounts/1`,
    Id: '1',
    Name: 'User Account',
    UserName: user,
    RoleId: 'Administrator',
    AccountTypes: ['Redfish'],
    Enabled: true,
    Locked: false,
    Password: null,
    Links: { Role: link(`${ROOT}/AccountService/Roles/Administrator`) },
  };
}

export function role(id: string): Json {
  return {
    '@odata.type': '#Role.v1_3_1.Role',
    '@odata.id': `${ROOT}/AccountService/Roles/${id}`,
    Id: id,
    Name: `${id} Role`,
    RoleId: id,
    IsPredefined: true,
    AssignedPrivileges: ROLES[id] ?? [],
  };
}

export function system(p: BmcProfile, who: BmcIdentity, m: MachineState, paths: Paths): Json {
  return {
    '@odata.type': '#ComputerSystem.v1_20_0.ComputerSystem',
    '@odata.id': paths.system,
    Id: p.systemId,
    Name: who.name,
    SystemType: 'Physical',
    HostName: who.name,
    Manufacturer: p.manufacturer,
    Model: p.model,
    SerialNumber: who.serial,
    UUID: who.uuid,
    PowerState: m.power,
    Status: { State: 'Enabled', Health: 'OK' },
    BiosVersion: p.firmware,
    BootProgress: {
      LastState: m.progress.lastState,
      LastStateTime: m.progress.at,
      ...(m.progress.oemLastState ? { OemLastState: m.progress.oemLastState } : {}),
    },
    ProcessorSummary: { Count: p.processor.Count, CoreCount: p.processor.CoreCount, Model: p.processor.Model, Status: { State: 'Enabled', Health: 'OK' } },
    Processors: link(`${paths.system}/Processors`),
    MemorySummary: { TotalSystemMemoryGiB: 256, Status: { State: 'Enabled', Health: 'OK' } },
    Boot: {
      BootSourceOverrideEnabled: m.boot.enabled,
      BootSourceOverrideTarget: m.boot.target,
      'BootSourceOverrideTarget@Redfish.AllowableValues': p.bootTargets,
      BootSourceOverrideMode: m.boot.mode,
      UefiTargetBootSourceOverride: m.boot.uefiTarget ?? null,
      HttpBootUri: m.boot.httpBootUri ?? null,
    },
    ...(paths.settings
      ? {
          '@Redfish.Settings': {
            '@odata.type': '#Settings.v1_3_5.Settings',
            SettingsObject: link(paths.settings),
            SupportedApplyTimes: ['OnReset'],
          },
        }
      : {}),
    EthernetInterfaces: link(`${paths.system}/EthernetInterfaces`),
    ...(p.virtualMedia.under === 'Systems' ? { VirtualMedia: link(paths.vmediaCollection) } : {}),
    Links: { Chassis: [link(paths.chassis)], ManagedBy: [link(paths.manager)] },
    Actions: {
      '#ComputerSystem.Reset': {
        target: `${paths.system}/Actions/ComputerSystem.Reset`,
        '@Redfish.ActionInfo': `${paths.system}/ResetActionInfo`,
      },
    },
  };
}

/** The pending Boot settings object (`@Redfish.Settings`), for profiles that change Boot through it. */
export function settings(m: MachineState, paths: Paths): Json {
  return {
    '@odata.type': '#ComputerSystem.v1_20_0.ComputerSystem',
    '@odata.id': paths.settings,
    Id: 'Settings',
    Name: 'Pending settings',
    Boot: { BootSourceOverrideEnabled: m.boot.enabled, BootSourceOverrideTarget: m.boot.target, BootSourceOverrideMode: m.boot.mode },
  };
}

export function resetActionInfo(p: BmcProfile, paths: Paths): Json {
  return {
    '@odata.type': '#ActionInfo.v1_3_0.ActionInfo',
    '@odata.id': `${paths.system}/ResetActionInfo`,
    Id: 'ResetActionInfo',
    Name: 'Reset Action Info',
    Parameters: [{ Name: 'ResetType', Required: true, DataType: 'String', AllowableValues: p.resetTypes }],
  };
}

/** One CPU socket (architecture and instruction set are Processor properties, not the summary's). */
export function processor(p: BmcProfile, paths: Paths, id: string): Json {
  return {
    '@odata.type': '#Processor.v1_20_0.Processor',
    '@odata.id': `${paths.system}/Processors/${id}`,
    Id: id,
    Name: 'Processor',
    ProcessorType: 'CPU',
    ...(p.processor.Architecture ? { ProcessorArchitecture: p.processor.Architecture } : {}),
    ...(p.processor.InstructionSet ? { InstructionSet: p.processor.InstructionSet } : {}),
    Model: p.processor.Model,
    TotalCores: Math.max(1, Math.floor(p.processor.CoreCount / Math.max(1, p.processor.Count))),
    Status: { State: 'Enabled', Health: 'OK' },
  };
}

export function ethernetInterface(who: BmcIdentity, paths: Paths): Json {
  return {
    '@odata.type': '#EthernetInterface.v1_10_0.EthernetInterface',
    '@odata.id': `${paths.system}/EthernetInterfaces/NIC.1`,
    Id: 'NIC.1',
    Name: 'Ethernet Interface',
    MACAddress: who.mac,
    PermanentMACAddress: who.mac,
    SpeedMbps: 25000,
    LinkStatus: 'LinkUp',
    Status: { State: 'Enabled', Health: 'OK' },
  };
}

export function manager(p: BmcProfile, paths: Paths): Json {
  return {
    '@odata.type': '#Manager.v1_17_0.Manager',
    '@odata.id': paths.manager,
    Id: p.managerId,
    Name: 'Manager',
    ManagerType: 'BMC',
    FirmwareVersion: p.firmware,
    Model: p.managerModel ?? 'BMC',
    PowerState: 'On',
    Status: { State: 'Enabled', Health: 'OK' },
    ...(p.virtualMedia.under === 'Managers' ? { VirtualMedia: link(paths.vmediaCollection) } : {}),
    Links: { ManagerForServers: [link(paths.system)], ManagerForChassis: [link(paths.chassis)] },
  };
}

export function chassis(p: BmcProfile, who: BmcIdentity, m: MachineState, paths: Paths): Json {
  return {
    '@odata.type': '#Chassis.v1_23_0.Chassis',
    '@odata.id': paths.chassis,
    Id: '1',
    Name: 'Chassis',
    ChassisType: 'RackMount',
    Manufacturer: p.manufacturer,
    Model: p.model,
    SerialNumber: who.serial,
    PowerState: m.power,
    Status: { State: 'Enabled', Health: 'OK' },
    Links: { ComputerSystems: [link(paths.system)], ManagedBy: [link(paths.manager)] },
  };
}

/** What a read of the CD slot shows (the vendor's stale answers included). */
export interface MediaView {
  image: string | null;
  inserted: boolean;
  connected: boolean;
  writeProtected: boolean;
}

export function virtualMedia(spec: SlotSpec, path: string, v: MediaView): Json {
  const imageName = v.image ? (v.image.split('/').pop() ?? v.image) : null;
  const insert = spec.mount === 'action' || spec.mount === 'local';
  const eject = insert || spec.mount === 'proxy';
  return {
    '@odata.type': '#VirtualMedia.v1_6_0.VirtualMedia',
    '@odata.id': path,
    Id: spec.id,
    Name: spec.mount === 'proxy' ? 'Virtual Media (proxy)' : 'Virtual Media',
    MediaTypes: spec.mediaTypes,
    Image: v.image,
    ImageName: imageName,
    Inserted: v.inserted,
    WriteProtected: v.writeProtected,
    ConnectedVia: v.connected ? (spec.mount === 'proxy' ? 'Applet' : 'URI') : 'NotConnected',
    TransferMethod: 'Stream',
    TransferProtocolType: v.image ? (v.image.startsWith('https:') ? 'HTTPS' : 'HTTP') : null,
    ...(eject
      ? {
          Actions: {
            ...(insert ? { '#VirtualMedia.InsertMedia': { target: `${path}/Actions/VirtualMedia.InsertMedia` } } : {}),
            '#VirtualMedia.EjectMedia': { target: `${path}/Actions/VirtualMedia.EjectMedia` },
          },
        }
      : {}),
  };
}
