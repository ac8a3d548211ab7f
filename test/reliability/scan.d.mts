export const TOKEN_SHAPE: RegExp;
export const BINARY_IMAGE: RegExp;
export interface Issued {
  secrets: string[];
  tokens: string[];
}
export function scanForSecrets(options: {
  dirs?: string[];
  texts?: { name: string; text: string }[];
  needles?: string[];
  labels?: string[];
  tokenShape?: boolean;
  skipFile?: (path: string) => boolean;
  stats?: { files: number; texts: number };
}): string[];
export function fetchIssued(endpoints: { adminEndpoint: string; adminToken: string; caCertPath: string }): Promise<Issued>;
export function scanRunForSecrets(options: {
  emulator?: { adminEndpoint: string; adminToken: string; caCertPath: string };
  issued?: Issued;
  dirs?: string[];
  texts?: { name: string; text: string }[];
}): Promise<{ hits: string[]; summary: string }>;
