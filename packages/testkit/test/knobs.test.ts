import { describe, expect, it } from 'vitest';
import {
  DirectiveError,
  expectedText,
  mergeKnobs,
  parseDirective,
  planTokens,
  splitIntoTokens,
} from '../src/knobs.ts';

describe('knobs', () => {
  it('generates a deterministic default answer', () => {
    expect(expectedText(3)).toBe('tok1 tok2 tok3');
    expect(expectedText(0)).toBe('');
    expect(planTokens({}, undefined).tokens.join('')).toBe(expectedText(20));
  });

  it('splits explicit text into word tokens that keep leading spaces', () => {
    expect(splitIntoTokens('Hello  big\nworld ')).toEqual(['Hello', '  big', '\nworld', ' ']);
    expect(splitIntoTokens('Hello  big\nworld ').join('')).toBe('Hello  big\nworld ');
  });

  it('stops at the output limit with finish reason length', () => {
    expect(planTokens({ tokens: 10 }, 4)).toEqual({
      tokens: splitIntoTokens(expectedText(4)),
      finishReason: 'length',
    });
    expect(planTokens({ tokens: 4 }, 4).finishReason).toBe('stop');
    expect(planTokens({ text: 'a b c' }, 2).tokens).toEqual(['a', ' b']);
  });

  it('parses directives with aliases, flags and quoted text', () => {
    expect(parseDirective('hi [[double tokens=5 delay=20]] there')).toEqual({ tokens: 5, delayMs: 20 });
    expect(parseDirective('[[double hang]]')).toEqual({ hang: true });
    expect(parseDirective('[[double text="Hello there" model=gpt-x status=429 ttft=100 cut=2]]')).toEqual({
      text: 'Hello there',
      reportedModel: 'gpt-x',
      status: 429,
      firstTokenDelayMs: 100,
      cutAfter: 2,
    });
    expect(parseDirective('no directive here')).toEqual({});
  });

  it('rejects unknown directive keys and bad values', () => {
    expect(() => parseDirective('[[double tokenz=5]]')).toThrow(DirectiveError);
    expect(() => parseDirective('[[double tokens=many]]')).toThrow(DirectiveError);
    expect(() => parseDirective('[[double hang=maybe]]')).toThrow(DirectiveError);
  });

  it('lets later layers win without undefined erasing earlier values', () => {
    expect(mergeKnobs({ tokens: 3, delayMs: 5 }, { tokens: undefined, delayMs: 1 }, { text: 'x' })).toEqual({
      tokens: 3,
      delayMs: 1,
      text: 'x',
    });
  });
});
