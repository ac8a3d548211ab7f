export const TOKEN_SHAPE: RegExp;
export function scanForSecrets(options: { dirs?: string[]; texts?: { name: string; text: string }[]; needles?: string[]; tokenShape?: boolean }): string[];
