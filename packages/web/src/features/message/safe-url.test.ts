import { describe, expect, it } from 'vitest';
import { safeUrl } from './safe-url.ts';

describe('safeUrl', () => {
  it('keeps web, mail and relative links', () => {
    for (const url of [
      'https://example.com/a?b=c',
      'http://x.y',
      'mailto:a@b.c',
      '/docs',
      '#top',
      'page?x=a:b',
      'a/b:c',
    ]) {
      expect(safeUrl(url)).toBe(url);
    }
  });

  it('neutralises script and data URLs, obfuscated ones included', () => {
    for (const url of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      ' javascript:x',
      'java\tscript:x',
      'data:text/html,<b>',
      'vbscript:x',
    ]) {
      expect(safeUrl(url)).toBe('');
    }
  });
});
