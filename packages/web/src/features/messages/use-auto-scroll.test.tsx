import { fireEvent, render, screen } from '@testing-library/react';
import { useRef } from 'react';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useAutoScroll } from './use-auto-scroll.ts';

// jsdom has no layout: the scroller's geometry comes from data attributes (20 px a line, 200 px tall).
const LINE_PX = 20;
const VIEW_PX = 200;
const saved = {
  scrollHeight: Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'scrollHeight'),
  clientHeight: Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight'),
};
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'scrollHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return Number(this.dataset.height ?? 0);
    },
  });
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return this.dataset.height ? VIEW_PX : 0;
    },
  });
});
afterAll(() => {
  for (const [name, descriptor] of Object.entries(saved)) {
    if (descriptor) Object.defineProperty(HTMLElement.prototype, name, descriptor);
  }
});

function List({
  lines,
  first = 'm1',
  onNearTop = () => {},
}: {
  lines: number;
  first?: string;
  onNearTop?(): void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const { onScroll, atBottom, scrollToBottom } = useAutoScroll(scroller, content, {
    contentKey: lines,
    firstKey: first,
    onNearTop,
  });
  return (
    <div data-testid="scroller" data-height={lines * LINE_PX} ref={scroller} onScroll={onScroll}>
      <div ref={content} />
      {!atBottom && (
        <button type="button" onClick={scrollToBottom}>
          Latest
        </button>
      )}
    </div>
  );
}

const scroller = () => screen.getByTestId('scroller');
/** The user moves the scrollbar to `top`. */
function userScrollsTo(top: number) {
  scroller().scrollTop = top;
  fireEvent.scroll(scroller());
}

describe('useAutoScroll', () => {
  it('follows new content while the reader is at the bottom', () => {
    const { rerender } = render(<List lines={20} />);
    expect(scroller().scrollTop).toBe(400);
    rerender(<List lines={30} />);
    expect(scroller().scrollTop).toBe(600);
    expect(screen.queryByRole('button', { name: 'Latest' })).toBeNull();
  });

  it('stops following when the reader scrolls up and resumes once they are back at the bottom', () => {
    const { rerender } = render(<List lines={20} />);
    userScrollsTo(150); // 50 px from the bottom: reading something
    rerender(<List lines={30} />);
    expect(scroller().scrollTop).toBe(150); // the text under the reader's eyes stays put
    expect(screen.getByRole('button', { name: 'Latest' })).toBeTruthy();

    userScrollsTo(30 * LINE_PX - VIEW_PX - 10); // within the stick distance of the bottom
    expect(screen.queryByRole('button', { name: 'Latest' })).toBeNull();
    rerender(<List lines={40} />);
    expect(scroller().scrollTop).toBe(40 * LINE_PX);
  });

  it('jumps to the latest message and follows again from the "Latest" button', () => {
    const { rerender } = render(<List lines={20} />);
    userScrollsTo(0);
    rerender(<List lines={25} />);
    expect(scroller().scrollTop).toBe(0);
    fireEvent.click(screen.getByRole('button', { name: 'Latest' }));
    expect(scroller().scrollTop).toBe(25 * LINE_PX);
    rerender(<List lines={26} />);
    expect(scroller().scrollTop).toBe(26 * LINE_PX);
  });

  it('keeps the reading position when older messages are put above', () => {
    const { rerender } = render(<List lines={20} first="m10" />);
    userScrollsTo(100);
    rerender(<List lines={30} first="m1" />); // ten older lines (200 px) above
    expect(scroller().scrollTop).toBe(300);
  });

  it('asks for older messages near the top only', () => {
    const onNearTop = vi.fn();
    render(<List lines={40} onNearTop={onNearTop} />);
    userScrollsTo(400);
    expect(onNearTop).not.toHaveBeenCalled();
    userScrollsTo(40);
    expect(onNearTop).toHaveBeenCalledTimes(1);
  });
});
