/**
 * A one-shot loopback page the consent host sends the browser back to after a connection's sign-in (the Power Apps
 * PowerShell module captures the same redirect in a dialog). It answers "you can close this window", hands the
 * `code` or `error` to the caller, and stops. Loopback only; nothing is logged.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReturnPage {
  readonly url: string;
  readonly returned: Promise<{ code?: string; error?: string; error_description?: string }>;
  close(): void;
}

export async function startReturnPage(): Promise<ReturnPage> {
  let deliver!: (v: { code?: string; error?: string; error_description?: string }) => void;
  const returned = new Promise<{ code?: string; error?: string; error_description?: string }>((r) => (deliver = r));
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://localhost');
    const error = u.searchParams.get('error') ?? undefined;
    const code = u.searchParams.get('code') ?? undefined;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Entra Connector</title></head><body><h1>${error ? 'The connection could not sign in' : 'The connection is signed in'}</h1><p>You can close this window and return to the editor or terminal.</p></body></html>`);
    if (code || error) deliver({ ...(code ? { code } : {}), ...(error ? { error } : {}), ...(u.searchParams.get('error_description') ? { error_description: u.searchParams.get('error_description')! } : {}) });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}/`,
    returned,
    close: () => {
      server.close();
      server.closeAllConnections();
    },
  };
}
