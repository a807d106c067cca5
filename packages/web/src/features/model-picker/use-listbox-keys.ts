import { type KeyboardEvent, useEffect, useState } from 'react';

interface Options<T> {
  items: T[];
  /** Starting position (the selected entry) each time the list is rebuilt for a new search. */
  initialIndex: number;
  resetKey: string;
  onPick(item: T): void;
  onClose(): void;
}

/** Arrow keys, Home/End, Enter and Escape for a combobox whose input keeps focus. */
export function useListboxKeys<T>({ items, initialIndex, resetKey, onPick, onClose }: Options<T>) {
  const [active, setActive] = useState(initialIndex);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new search restarts at the top; only resetKey matters
  useEffect(() => setActive(resetKey ? 0 : initialIndex), [resetKey]);
  const index = items.length === 0 ? -1 : Math.min(Math.max(active, 0), items.length - 1);

  function onKeyDown(event: KeyboardEvent) {
    const count = items.length;
    const move = (next: number) => {
      event.preventDefault();
      if (count > 0) setActive(((next % count) + count) % count);
    };
    switch (event.key) {
      case 'ArrowDown':
        return move(index + 1);
      case 'ArrowUp':
        return move(index - 1);
      case 'Home':
        return move(0);
      case 'End':
        return move(count - 1);
      case 'Enter': {
        event.preventDefault();
        const item = items[index];
        if (item) onPick(item);
        return;
      }
      case 'Escape':
        event.preventDefault();
        event.stopPropagation();
        onClose();
        return;
      case 'Tab':
        onClose();
        return;
    }
  }

  return { activeIndex: index, setActive, onKeyDown };
}
