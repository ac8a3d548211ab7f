/** Defaults of the setup's answers, shared by the engine, the CLI and the wizard's step table (and so the webview). */
export const DEFAULT_SCOPE = 'user_impersonation';
export const DEFAULT_SECRET_DAYS = 180;
