import type { SiblingSlots } from '../../stores/message-tree.ts';

interface Props {
  slots: SiblingSlots;
  /** What the versions are, for the buttons' names: "answer" or "question". */
  noun: string;
  onSelect(leafId: string): void;
}

/**
 * ‹ 2 / 3 ›: which version of a question or an answer is shown, and the way to the others. The buttons
 * stay focusable at either end (aria-disabled, not disabled) so the keyboard focus never drops to the
 * page while the user flips through versions.
 */
export function SiblingNav({ slots, noun, onSelect }: Props) {
  const { position, count, leaves } = slots;
  const go = (index: number) => {
    const leaf = leaves[index];
    if (index >= 0 && index < count && leaf) onSelect(leaf);
  };
  return (
    // biome-ignore lint/a11y/useSemanticElements: a labelled group of two buttons and a status, not a form
    <span className="sibling-nav" role="group" aria-label={`Versions of this ${noun}`}>
      <button
        type="button"
        className="icon-button"
        data-testid="sibling-prev"
        aria-label={`Previous ${noun}`}
        aria-disabled={position === 0}
        onClick={() => go(position - 1)}
      >
        ‹
      </button>
      <span className="sibling-position" data-testid="sibling-position" aria-live="polite">
        {position + 1} / {count}
      </span>
      <button
        type="button"
        className="icon-button"
        data-testid="sibling-next"
        aria-label={`Next ${noun}`}
        aria-disabled={position === count - 1}
        onClick={() => go(position + 1)}
      >
        ›
      </button>
    </span>
  );
}
