// The wizard controller's host without VS Code, for the controller's tests and the reliability tests.
import { join, relative } from 'node:path';
import { adminToken, type Endpoints } from '../../emulator/src';
import type { Directory } from '../../src/graph/operations';
import type { HostMessage } from '../../src/protocol';
import type { FileChange } from '../../src/setup/properties';
import { nodeFiles } from '../../src/setup/nodeFiles';
import { MemoryStateStore } from '../../src/setup/stateFile';
import type { WizardDraft, WizardHost } from '../../src/wizard/controller';
import { ADMIN, directoryFor } from './tenant';
import { diskConnectorFiles } from '../../src/cli/deploy';
import { AZURE_CLI_CLIENT_ID, POWER_APPS_SCOPE, PowerPlatformClient } from '../../src/powerplatform/client';
import { objectIdOf } from '../../src/powerplatform/deploy';
import { setupDeployer } from '../../src/setup/deployer';

/**
 * A WizardHost in plain Node, signed in (or not) as one of the emulated tenant's users: memory stores shared across
 * "sessions", files on disk, secrets in a map, every posted message and log line recorded.
 */
export function fakeWizardHost(ep: Endpoints, dir: string, options: { user?: string; signedIn?: boolean } = {}) {
  const { user = ADMIN, signedIn = true } = options;
  const posted: HostMessage[] = [];
  let account = signedIn ? { username: user, tenantId: ep.tenantId } : undefined;
  const signIns = { count: 0 };
  const confirms: { answer: boolean; asked: string[] } = { answer: true, asked: [] };
  const secrets = new Map<string, string>();
  const drafts = new Map<string, WizardDraft>();
  const state = new MemoryStateStore();
  const logs: string[] = [];
  const previews: FileChange[][] = [];
  const clipboard = { text: '' };
  const armScopesAsked: string[][] = [];
  let directory: Directory | undefined;
  const host: WizardHost = {
    post: (m) => void posted.push(structuredClone(m)),
    log: (level, line) => void logs.push(`${level} ${line}`),
    account: async () => account,
    signIn: async () => {
      signIns.count++;
      account = { username: user, tenantId: ep.tenantId };
    },
    cloud: () => ({ name: 'Custom', loginEndpoint: ep.loginEndpoint, graphEndpoint: ep.graphEndpoint, graphResource: ep.graphEndpoint }),
    directory: async () => (directory ??= directoryFor(ep, { user })),
    state,
    loadDraft: async () => drafts.get(dir),
    saveDraft: async (d) => void drafts.set(dir, structuredClone(d)),
    files: {
      ...nodeFiles,
      confirm: async (changes) => {
        previews.push([...changes]);
        return true;
      },
    },
    secrets: {
      store: async (clientId, value) => void secrets.set(clientId, value),
      has: async (clientId) => secrets.has(clientId),
      delete: async (clientId) => void secrets.delete(clientId),
      copyToClipboard: async (clientId) => {
        const v = secrets.get(clientId);
        if (v === undefined) return false;
        clipboard.text = v;
        return true;
      },
    },
    copyText: async (t) => void (clipboard.text = t),
    confirm: async (message, detail) => {
      confirms.asked.push(`${message} ${detail}`);
      return confirms.answer;
    },
    adminCenterLink: (appId) => `https://entra.example/#app/${appId}`,
    displayPath: (p) => relative(join(dir, '..'), p) || '.',
    // Power Platform as the user, through the Azure CLI client (paconn's); the secret from the secret map only.
    powerPlatform: () => {
      const token = () => adminToken(ep, user, [POWER_APPS_SCOPE], AZURE_CLI_CLIENT_ID);
      return setupDeployer({
        client: new PowerPlatformClient({ powerAppsEndpoint: ep.powerAppsEndpoint, flowEndpoint: ep.flowEndpoint, powerAppsToken: token }),
        objectId: async () => objectIdOf(await token()),
        files: diskConnectorFiles,
        secret: async (clientId) => secrets.get(clientId),
        onProgress: (line) => void logs.push(`info Deploy: ${line}`),
      });
    },
    arm: () => ({
      armEndpoint: ep.armEndpoint,
      getAccessToken: async (scopes) => {
        armScopesAsked.push([...scopes]);
        return adminToken(ep, user, scopes);
      },
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
    }),
  };
  return { host, posted, secrets, drafts, state, logs, previews, clipboard, signIns, confirms, armScopesAsked };
}
