// The kubeconfig the lab writes for its cluster (pure): one cluster with the API CA embedded,
// one user with a bearer token, context `lab`.

import { stringify } from 'yaml';

export const LAB_CONTEXT = 'lab';

export function renderKubeconfig(server: string, caPem: string, token: string, user = 'admin'): string {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'lab', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: LAB_CONTEXT, context: { cluster: 'lab', user } }],
    'current-context': LAB_CONTEXT,
    preferences: {},
  };
  return `# Written by fleetboot lab up: the lab's simulated cluster, as ${user}.\n${stringify(config)}`;
}
