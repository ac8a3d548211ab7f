/** How long diagnostics wait after the last keystroke before checking an apiProperties.json again. */
export const DIAGNOSTICS_DEBOUNCE_MS = 300;
