import { type ComponentProps, useRef, useState } from 'react';

/** A fenced code block with a copy button; the highlighting classes come from rehype-highlight. */
export function CodeBlock({ children, node: _node, ...rest }: ComponentProps<'pre'> & { node?: unknown }) {
  const ref = useRef<HTMLPreElement>(null);
  const [copied, setCopied] = useState(false);

  async function copy() {
    const text = ref.current?.textContent ?? '';
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // No clipboard permission: the user can still select the text.
    }
  }

  return (
    <div className="code-block">
      <button type="button" className="copy-button" onClick={copy} aria-label="Copy code">
        {copied ? 'Copied' : 'Copy'}
      </button>
      <pre ref={ref} {...rest}>
        {children}
      </pre>
    </div>
  );
}
