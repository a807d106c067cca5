import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { Markdown } from './Markdown.tsx';

describe('Markdown', () => {
  it('never renders raw HTML from the model', () => {
    const { container } = render(
      <Markdown text={'Hi <img src=x onerror="alert(1)"> <script>alert(2)</script> **bold**'} />,
    );
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('strong')?.textContent).toBe('bold');
  });

  it('neutralises javascript: links and opens others safely', () => {
    const { container } = render(
      <Markdown text={'[bad](javascript:alert(1)) and [good](https://example.com)'} />,
    );
    const links = [...container.querySelectorAll('a')];
    expect(links.map((link) => link.getAttribute('href'))).toEqual(['https://example.com']);
    expect(links[0]?.getAttribute('rel')).toContain('noopener');
    expect(container.textContent).toContain('bad');
  });

  it('highlights fenced code with a language', () => {
    const { container } = render(<Markdown text={'```js\nconst answer = 42;\n```'} />);
    const code = container.querySelector('pre code');
    expect(code?.className).toContain('hljs');
    expect(code?.querySelector('.hljs-keyword')?.textContent).toBe('const');
  });

  it('renders code in an unknown language as plain text', () => {
    const { container } = render(<Markdown text={'```nosuchlang\nplain\n```'} />);
    expect(container.querySelector('pre code')?.textContent).toBe('plain\n');
  });
});
