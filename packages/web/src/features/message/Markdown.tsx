import { memo, useDeferredValue } from 'react';
import ReactMarkdown, { type Components, type Options } from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
import { CodeBlock } from './CodeBlock.tsx';
import { safeUrl } from './safe-url.ts';

const rehypePlugins: Options['rehypePlugins'] = [[rehypeHighlight, { detect: false }]];

const components: Components = {
  a: ({ href, children, node: _node, ...rest }) =>
    href ? (
      <a {...rest} href={href} target="_blank" rel="noopener noreferrer nofollow">
        {children}
      </a>
    ) : (
      <span className="neutralised-link">{children}</span>
    ),
  // Remote images would leak the reader's address to any host a model names: offer a link instead.
  img: ({ src, alt }) =>
    typeof src === 'string' && src ? (
      <a href={src} target="_blank" rel="noopener noreferrer nofollow">
        [image: {alt || src}]
      </a>
    ) : (
      <span>[image: {alt}]</span>
    ),
  pre: CodeBlock,
};

/**
 * Untrusted model output as Markdown: raw HTML is dropped (never parsed), unsafe URLs are removed,
 * code blocks are highlighted. While streaming, React may skip intermediate texts to stay responsive.
 */
export const Markdown = memo(function Markdown({ text }: { text: string }) {
  const deferred = useDeferredValue(text);
  return (
    <div className="markdown">
      <ReactMarkdown skipHtml urlTransform={safeUrl} rehypePlugins={rehypePlugins} components={components}>
        {deferred}
      </ReactMarkdown>
    </div>
  );
});
