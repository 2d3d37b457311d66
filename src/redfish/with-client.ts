// Runs work against one BMC and always deletes the session afterwards (also on failure or
// abort), without letting a failed logout hide the work's own error.

import { RedfishClient, type RedfishClientOptions } from './client.js';

export async function withRedfishClient<T>(options: RedfishClientOptions, work: (client: RedfishClient) => Promise<T>): Promise<T> {
  const client = new RedfishClient(options);
  let failed = false;
  try {
    return await work(client);
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    try {
      await client.logout();
    } catch (logoutErr) {
      if (!failed) throw logoutErr;
    } finally {
      client.close();
    }
  }
}
