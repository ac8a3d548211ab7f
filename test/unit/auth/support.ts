// Test-side helpers for the sign-in tests: a real in-memory SecretStore and Memento, a scripted consent prompter,
// and an https server whose self-signed certificate nobody trusts.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';
import type { SecretStore } from '../../../src/auth/secretCache';
import type { Memento } from '../../../src/auth/signIn';
import type { ConsentPrompter, ConsentRequest, InteractiveMethod } from '../../../src/auth/consent';

/** A SecretStore kept in a Map, shared by several services like SecretStorage is shared by windows. */
export class MemorySecretStore implements SecretStore {
  readonly values = new Map<string, string>();
  private readonly listeners = new Set<(key: string) => void>();
  readonly writes: string[] = [];

  async get(key: string): Promise<string | undefined> {
    return this.values.get(key);
  }
  async store(key: string, value: string): Promise<void> {
    this.values.set(key, value);
    this.writes.push(key);
    this.emit(key);
  }
  async delete(key: string): Promise<void> {
    if (!this.values.delete(key)) return;
    this.emit(key);
  }
  onDidChange(listener: (key: string) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
  private emit(key: string): void {
    // SecretStorage fires asynchronously.
    queueMicrotask(() => {
      for (const l of [...this.listeners]) l(key);
    });
  }
}

export class MemoryMemento implements Memento {
  private readonly values = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.values.get(key) as T | undefined;
  }
  async update(key: string, value: unknown): Promise<void> {
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, value);
  }
}

/** A prompter with a scripted answer that records what it was asked. */
export class ScriptedPrompter implements ConsentPrompter {
  readonly asked: ConsentRequest[] = [];
  constructor(public answer: InteractiveMethod | 'decline', private readonly controller = new AbortController()) {}
  async requestConsent<T>(request: ConsentRequest, proceed: (method: InteractiveMethod, signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    this.asked.push(request);
    if (this.answer === 'decline') return undefined;
    return proceed(this.answer, this.controller.signal);
  }
}

/** An https server with a fresh self-signed certificate for 127.0.0.2 that no CA store trusts. */
export async function startUntrustedServer(): Promise<{ url: string; close(): Promise<void> }> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = '01' + randomBytes(8).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  const attrs = [{ name: 'commonName', value: 'untrusted.test' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.2' }] }]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  const server: Server = createServer({ key: privateKey, cert: forge.pki.certificateToPem(cert) }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.2:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

interface HtmlForm {
  action: string;
  fields: Record<string, string>;
  buttons: { name: string; value: string }[];
}

function unescapeHtml(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}="([^"]*)"`).exec(tag);
  return m ? unescapeHtml(m[1]!) : undefined;
}

/** The first POST form of a page: its action, hidden fields and submit buttons. */
export function parseForm(html: string, base: string): HtmlForm | undefined {
  const m = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!m) return undefined;
  const fields: Record<string, string> = {};
  for (const input of m[2]!.match(/<input\b[^>]*>/gi) ?? []) {
    const name = attr(input, 'name');
    if (name && attr(input, 'type') === 'hidden') fields[name] = attr(input, 'value') ?? '';
  }
  const buttons = (m[2]!.match(/<button\b[^>]*>/gi) ?? []).map((b) => ({ name: attr(b, 'name') ?? '', value: attr(b, 'value') ?? '' }));
  return { action: new URL(attr(m[1]!, 'action') ?? '', base).toString(), fields, buttons };
}

async function post(url: string, fields: Record<string, string>): Promise<{ url: string; status: number; text: string }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  return { url: response.url, status: response.status, text: await response.text() };
}

/**
 * Plays the user's browser on the emulated tenant's pages: opens the authorize URL, picks `username`, answers the
 * consent page, and lets the auto-submitting form post the answer to MSAL's loopback listener. Returns the text
 * the loopback listener answered with.
 */
export async function actAsBrowser(authorizeUrl: string, choice: { username: string; consent?: 'accept' | 'cancel'; consentForOrg?: boolean }): Promise<string> {
  const response = await fetch(authorizeUrl);
  let page = { url: response.url, status: response.status, text: await response.text() };
  for (let step = 0; step < 5; step++) {
    const form = parseForm(page.text, page.url);
    if (!form) throw new Error(`The sign-in page had no form (HTTP ${page.status}): ${page.text.slice(0, 300)}`);
    if (/^http:\/\/localhost:\d+/.test(form.action)) {
      // The auto-submitting form_post page: the browser posts the answer to MSAL's loopback server.
      page = await post(form.action, form.fields);
      return page.text;
    }
    if ('username' in form.fields || /name="username"/.test(page.text)) {
      page = await post(form.action, { ...form.fields, username: choice.username });
      continue;
    }
    const decision = form.buttons.some((b) => b.value === 'accept') ? (choice.consent ?? 'accept') : 'cancel';
    page = await post(form.action, { ...form.fields, decision, ...(choice.consentForOrg ? { consent_org: '1' } : {}) });
  }
  throw new Error(`The sign-in did not reach the app: ${page.text.slice(0, 300)}`);
}
