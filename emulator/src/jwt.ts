// RS256 JSON Web Tokens signed with a key that lives only in the emulator's memory.
import { generateKeyPairSync, KeyObject, randomBytes, sign, verify } from 'node:crypto';

export type Claims = Record<string, unknown>;

export function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

export class Signer {
  readonly kid = randomBytes(12).toString('base64url');
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.publicKey = publicKey;
  }

  sign(claims: Claims): string {
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid: this.kid }));
    const payload = b64url(JSON.stringify(claims));
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), this.privateKey);
    return `${header}.${payload}.${b64url(signature)}`;
  }

  /** The claims of a token this signer made, or undefined if the token is malformed or its signature is wrong. */
  verify(token: string): Claims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    try {
      const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as { alg?: string; kid?: string };
      if (header.alg !== 'RS256' || header.kid !== this.kid) return undefined;
      const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), this.publicKey, Buffer.from(parts[2]!, 'base64url'));
      if (!ok) return undefined;
      const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
      return claims && typeof claims === 'object' && !Array.isArray(claims) ? (claims as Claims) : undefined;
    } catch {
      return undefined;
    }
  }

  jwks(): { keys: Record<string, unknown>[] } {
    const jwk = this.publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
    return { keys: [{ kty: 'RSA', use: 'sig', kid: this.kid, alg: 'RS256', n: jwk.n, e: jwk.e }] };
  }
}
