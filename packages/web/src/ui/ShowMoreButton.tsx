import { useCallback, useEffect, useRef, useState } from 'react';

interface Props {
  label: string;
  testId: string;
  /** Loads the next page; false when it failed (a toast says so and offers a retry). */
  onMore(): Promise<boolean>;
}

/**
 * The end of a paged list: a button, clicked by hand or by scrolling near it. After each page it looks
 * again, so a page that fills nothing visible (all archived, say) brings the next one.
 */
export function ShowMoreButton({ label, testId, onMore }: Props) {
  const ref = useRef<HTMLButtonElement>(null);
  const [loading, setLoading] = useState(false);
  /** Bumped after each page that arrived: observing anew reports whether the button is still in view. */
  const [round, setRound] = useState(0);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const more = useCallback(async () => {
    setLoading(true);
    const ok = await onMore();
    if (!mounted.current) return;
    setLoading(false);
    // After a failure only a click (or the toast's Retry) tries again, never a loop of requests.
    if (ok) setRound((n) => n + 1);
  }, [onMore]);

  useEffect(() => {
    const button = ref.current;
    if (!button || typeof IntersectionObserver === 'undefined') return;
    void round;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) {
          observer.disconnect();
          void more();
        }
      },
      { rootMargin: '0px 0px 200px 0px' },
    );
    observer.observe(button);
    return () => observer.disconnect();
  }, [more, round]);

  return (
    <button
      ref={ref}
      type="button"
      className="button small show-more"
      data-testid={testId}
      disabled={loading}
      aria-busy={loading || undefined}
      onClick={() => void more()}
    >
      {loading ? 'Loading…' : label}
    </button>
  );
}
