/**
 * The setup's deploy step over src/powerplatform: a {@link ConnectorDeployer} from a signed-in Power Platform client,
 * the connector's files and the host's secret store (VS Code SecretStorage, the CLI's memory). The secret goes from
 * that store into `deployConnector`'s request body only — never into the context, a log line or a webview.
 */
import type { Environment, PowerPlatformClient } from '../powerplatform/client';
import { deployConnector, startDeployLookups, type ConnectorFiles, type DeployLookups } from '../powerplatform/deploy';
import type { ConnectorDeployer } from './engine';

export interface SetupDeployer extends ConnectorDeployer {
  prepare: NonNullable<ConnectorDeployer['prepare']>;
  /** The environments the user may deploy to, the default one first. */
  environments(): Promise<readonly Environment[]>;
}

export function setupDeployer(o: {
  readonly client: PowerPlatformClient;
  /** The signed-in user's object ID (from their Power Apps token: `objectIdOf`). */
  readonly objectId: () => Promise<string>;
  readonly files: ConnectorFiles;
  /** The connector app's client secret from the host's store, or undefined (an update then keeps the deployed one). */
  readonly secret: (clientId: string) => Promise<string | undefined>;
  readonly onProgress?: (line: string) => void;
}): SetupDeployer {
  // Started by `prepare`, used by the next `deploy` (which checks they were made for it), then forgotten.
  let early: Promise<DeployLookups> | undefined;
  return {
    async environments() {
      const all = await o.client.listEnvironments();
      return [...all].sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
    },
    prepare({ connectorDir, environment, swaggerText }) {
      early = o.objectId().then((objectId) => startDeployLookups({ dir: connectorDir, files: o.files, client: o.client, objectId, ...(environment ? { environment } : {}), ...(swaggerText !== undefined ? { swaggerText } : {}) }));
      early.catch(() => undefined);
    },
    async deploy({ connectorDir, clientId, environment }) {
      const lookups = await early?.catch(() => undefined);
      early = undefined;
      const secret = await o.secret(clientId);
      return deployConnector({
        dir: connectorDir,
        files: o.files,
        client: o.client,
        objectId: await o.objectId(),
        ...(environment ? { environment } : {}),
        ...(secret ? { secret } : {}),
        ...(lookups ? { lookups } : {}),
        ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      });
    },
  };
}
