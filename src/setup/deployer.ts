/**
 * The setup's deploy step over src/powerplatform: a {@link ConnectorDeployer} from a signed-in Power Platform client,
 * the connector's files and the host's secret store (VS Code SecretStorage, the CLI's memory). The secret goes from
 * that store into `deployConnector`'s request body only — never into the context, a log line or a webview.
 */
import type { Environment, PowerPlatformClient } from '../powerplatform/client';
import { deployConnector, type ConnectorFiles } from '../powerplatform/deploy';
import type { ConnectorDeployer } from './engine';

export interface SetupDeployer extends ConnectorDeployer {
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
  return {
    async environments() {
      const all = await o.client.listEnvironments();
      return [...all].sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
    },
    async deploy({ connectorDir, clientId, environment }) {
      const secret = await o.secret(clientId);
      return deployConnector({
        dir: connectorDir,
        files: o.files,
        client: o.client,
        objectId: await o.objectId(),
        ...(environment ? { environment } : {}),
        ...(secret ? { secret } : {}),
        ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      });
    },
  };
}
