// Acts as the user's browser on the emulator's sign-in pages: open the authorize (or admin-consent) URL, pick an
// account, answer the consent prompt, and deliver the response to the client's redirect URI (form_post or query).
import { request as httpRequest } from 'node:http';
import { httpsJson } from './client';

export interface BrowserOptions {
  username: string;
  /** Accept the consent prompt (default true). */
  accept?: boolean;
  /** Tick "Consent on behalf of your organization" (admins only). */
  consentForOrg?: boolean;
  /** CA PEM or path. */
  ca: string;
}

export interface BrowserResult {
  /** The last page the browser showed (HTML) when it did not get to the redirect URI. */
  page?: string;
  /** What was delivered to the redirect URI. */
  delivered?: { url: string; method: 'GET' | 'POST'; params: Record<string, string>; status: number };
}

interface Form {
  action: string;
  fields: Record<string, string>;
  buttons: Record<string, string>;
  radios: Record<string, string[]>;
}

function decode(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function parseForm(page: string): Form | undefined {
  const m = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(page);
  if (!m) return undefined;
  const form: Form = { action: decode(m[1]!), fields: {}, buttons: {}, radios: {} };
  for (const input of m[2]!.matchAll(/<input([^>]*)>/gi)) {
    const attrs = input[1]!;
    const name = /name="([^"]*)"/.exec(attrs)?.[1];
    const value = decode(/value="([^"]*)"/.exec(attrs)?.[1] ?? '');
    const type = /type="([^"]*)"/.exec(attrs)?.[1] ?? 'text';
    if (!name) continue;
    if (type === 'radio') (form.radios[name] ??= []).push(value);
    else if (type !== 'checkbox' && type !== 'submit') form.fields[name] = value;
  }
  for (const b of m[2]!.matchAll(/<button[^>]*name="([^"]*)"[^>]*value="([^"]*)"/gi)) form.buttons[b[2]!] = b[1]!;
  return form;
}

/** Loopback redirect URIs say `localhost`; MSAL listens on 127.0.0.1. A browser would try both families; connect to IPv4. */
function loopbackTarget(url: string): { url: string; host: string } {
  const u = new URL(url);
  const host = u.host;
  if (u.hostname === 'localhost') u.hostname = '127.0.0.1';
  return { url: u.toString(), host };
}

function postLocal(url: string, params: Record<string, string>): Promise<number> {
  const body = new URLSearchParams(params).toString();
  const target = loopbackTarget(url);
  return new Promise((resolve) => {
    const req = httpRequest(target.url, { method: 'POST', headers: { host: target.host, 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    // A browser shows a connection error page; report status 0.
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

function getLocal(url: string): Promise<number> {
  return new Promise((resolve) => {
    const target = loopbackTarget(url);
    httpRequest(target.url, { headers: { host: target.host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', () => resolve(0)).end();
  });
}

/** Drives a sign-in from the authorize URL to the redirect URI. */
export async function signInAsBrowser(authorizeUrl: string, options: BrowserOptions): Promise<BrowserResult> {
  const origin = new URL(authorizeUrl).origin;
  let res = await httpsJson<string>(authorizeUrl, { ca: options.ca });
  for (let step = 0; step < 10; step++) {
    if (res.status === 302) {
      const location = String(res.headers.location);
      const u = new URL(location, origin);
      // Redirects inside the emulated cloud (Power Platform's consent host → sign-in → back) are followed like a
      // browser would; the first one leaving it is the client's redirect URI.
      if (u.origin === origin) {
        res = await httpsJson<string>(u.toString(), { ca: options.ca });
        continue;
      }
      const params = Object.fromEntries(u.searchParams);
      const status = u.protocol === 'http:' ? await getLocal(location) : 0;
      return { delivered: { url: location, method: 'GET', params, status } };
    }
    const page = typeof res.body === 'string' ? res.body : res.text;
    const form = parseForm(page);
    if (!form) return { page };
    if (/name="hiddenform"/.test(page)) {
      const status = await postLocal(form.action, form.fields);
      return { delivered: { url: form.action, method: 'POST', params: form.fields, status } };
    }
    const fields: Record<string, string> = { ...form.fields };
    if (form.radios.username) {
      if (!form.radios.username.includes(options.username)) return { page };
      fields.username = options.username;
    } else if ('decision' in Object.fromEntries(Object.entries(form.buttons).map(([v, n]) => [n, v]))) {
      const accept = options.accept ?? true;
      fields.decision = accept && form.buttons.accept ? 'accept' : 'cancel';
      if (options.consentForOrg && /name="consent_org"/.test(page)) fields.consent_org = '1';
    } else return { page };
    const action = new URL(form.action, origin).toString();
    res = await httpsJson<string>(action, { method: 'POST', body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, ca: options.ca });
  }
  return { page: res.text };
}
