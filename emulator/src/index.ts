// The emulated tenant, for tests, benchmarks and the demo. See README.md in this folder.
export { startEmulator, type InProcessOptions } from './server';
export { criticalPath } from './faults';
export {
  adminHeaders, adminToken, adminTokenSource, approveDevice, AZURE_CLI_CLIENT_ID, clientFor, clearRequests, getIssued, getState, GRAPH_CLI_CLIENT_ID, httpsJson, resetEmulator, seedObjects, setFaults, setPolicy,
  type EmulatorState, type HttpsResponse,
} from './client';
export { signInAsBrowser, type BrowserOptions, type BrowserResult } from './browser';
export { DEFAULT_TENANT_ID, GRAPH_APP_ID, API_CONNECTIONS_APP_ID, CLI_CLIENT_ID, GRAPH_SCOPES } from './directory';
export type * from './types';
