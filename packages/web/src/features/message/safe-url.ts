const ALLOWED_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

/**
 * Keeps web and mail links and relative ones; anything else with a scheme (`javascript:`, `data:`,
 * `vbscript:`, obfuscated variants like `java\tscript:`) becomes `''`, which renders no link.
 */
export function safeUrl(url: string): string {
  const trimmed = url.trim();
  const colon = trimmed.indexOf(':');
  if (colon === -1) return trimmed;
  const pathStart = trimmed.search(/[/?#]/);
  if (pathStart !== -1 && pathStart < colon) return trimmed; // "a/b:c", "?x=y:z": relative
  return ALLOWED_SCHEMES.has(trimmed.slice(0, colon + 1).toLowerCase()) ? trimmed : '';
}
