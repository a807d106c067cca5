import { type RefObject, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';

const STICK_DISTANCE_PX = 48;
const TOP_DISTANCE_PX = 80;

interface Options {
  /** Changes whenever content may have grown (new messages, streamed text). */
  contentKey: unknown;
  /** The first message's id: when it changes, older messages were put above. */
  firstKey: string | undefined;
  onNearTop(): void;
}

/**
 * Follows the bottom of a scrolling list while the user is there; stops as soon as they scroll up,
 * and keeps their place when older messages are inserted above.
 */
export function useAutoScroll(
  scroller: RefObject<HTMLElement | null>,
  content: RefObject<HTMLElement | null>,
  options: Options,
) {
  const stuck = useRef(true);
  const lastHeight = useRef(0);
  const lastFirst = useRef(options.firstKey);
  const [atBottom, setAtBottom] = useState(true);
  const { contentKey, firstKey, onNearTop } = options;

  const followIfStuck = useCallback(() => {
    const element = scroller.current;
    if (!element) return;
    if (stuck.current) element.scrollTop = element.scrollHeight;
    lastHeight.current = element.scrollHeight;
  }, [scroller]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: contentKey is the trigger, not a value used
  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    if (firstKey !== lastFirst.current && !stuck.current && lastHeight.current > 0) {
      element.scrollTop += element.scrollHeight - lastHeight.current;
      lastHeight.current = element.scrollHeight;
    } else {
      followIfStuck();
    }
    lastFirst.current = firstKey;
  }, [contentKey, firstKey, followIfStuck, scroller]);

  // Markdown renders after the text arrives (deferred), so also follow size changes of the content.
  useEffect(() => {
    const target = content.current;
    if (!target || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => followIfStuck());
    observer.observe(target);
    return () => observer.disconnect();
  }, [content, followIfStuck]);

  const onScroll = useCallback(() => {
    const element = scroller.current;
    if (!element) return;
    const distance = element.scrollHeight - element.scrollTop - element.clientHeight;
    stuck.current = distance <= STICK_DISTANCE_PX;
    setAtBottom(stuck.current);
    lastHeight.current = element.scrollHeight;
    if (element.scrollTop <= TOP_DISTANCE_PX) onNearTop();
  }, [scroller, onNearTop]);

  const scrollToBottom = useCallback(() => {
    stuck.current = true;
    setAtBottom(true);
    followIfStuck();
  }, [followIfStuck]);

  return { onScroll, atBottom, scrollToBottom };
}
