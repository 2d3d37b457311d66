"""Drives a simulated BMC with Debian's python3-sushy (an independent Redfish client).

Usage: bmc-sushy.py BASE_URL USER PASSWORD_FILE CA_FILE IMAGE_URL
Logs in with a session over HTTPS verified against CA_FILE, inserts IMAGE_URL into the first
virtual media slot of the first manager (else of the system), sets a one-time Cd boot, restarts (powers on), waits
for On, ejects, logs out, and prints what it saw as one JSON object.
"""
import json
import sys
import time

import sushy
from sushy import auth as sushy_auth
from sushy.resources.manager import virtual_media as vm_mod

base, user, pw_file, ca, image = sys.argv[1:6]
with open(pw_file) as f:
    password = f.read().strip()

session = sushy_auth.SessionAuth(username=user, password=password)
root = sushy.Sushy(base, verify=ca, auth=session)
out = {}
system = root.get_system(root.get_system_collection().members_identities[0])
out['manufacturer'] = system.manufacturer
out['power_before'] = str(system.power_state)
manager = root.get_manager(root.get_manager_collection().members_identities[0])
try:
    members = manager.virtual_media.get_members()
except sushy.exceptions.MissingAttributeError:
    # sushy 4.3.3 has no System.virtual_media: read the System's collection with its own class.
    members = vm_mod.VirtualMediaCollection(
        root._conn, system.json['VirtualMedia']['@odata.id'],
        redfish_version=system.redfish_version, registries=system.registries,
        root=system.root).get_members()


def usable(m):
    # As Ironic does around sushy: skip slots that cannot take an URL (Lenovo RDOC/Remote) and
    # slots with neither InsertMedia nor PATCH (OpenBMC proxy slots).
    if 'RDOC' in m.identity or 'Remote' in m.identity:
        return False
    return '#VirtualMedia.InsertMedia' in m.json.get('Actions', {}) or m._allow_patch()


media = next(m for m in members if usable(m))
out['media_types'] = [str(t) for t in media.media_types]
media.insert_media(image, inserted=True, write_protected=True)
media.refresh()
out['inserted'] = media.inserted
out['image'] = media.image
# The full triple, as Ironic sends it to AMI and Supermicro (mode as it is, UEFI).
system.set_system_boot_options(target=sushy.BOOT_SOURCE_TARGET_CD, enabled=sushy.BOOT_SOURCE_ENABLED_ONCE, mode=sushy.BOOT_SOURCE_MODE_UEFI)
system.refresh()
out['boot_enabled'] = str(system.boot.enabled)
out['boot_target'] = str(system.boot.target)
system.reset_system(sushy.RESET_FORCE_RESTART)
deadline = time.time() + 10
while True:
    system.refresh()
    if system.power_state == sushy.SYSTEM_POWER_STATE_ON or time.time() > deadline:
        break
    time.sleep(0.05)
out['power_after'] = str(system.power_state)
out['boot_enabled_after'] = str(system.boot.enabled)
media.eject_media()
media.refresh()
out['inserted_after_eject'] = media.inserted
session.close()
print(json.dumps(out))
