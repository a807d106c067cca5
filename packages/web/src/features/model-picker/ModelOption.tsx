import { formatContextWindow, formatPricing } from './model-format.ts';
import type { PickerEntry } from './model-list.ts';

interface Props {
  entry: PickerEntry;
  domId: string;
  active: boolean;
  selected: boolean;
  onPick(entry: PickerEntry): void;
  onHover(): void;
}

/** One entry of the listbox: the full `provider/model` id, its context window and its price. */
export function ModelOption({ entry, domId, active, selected, onPick, onHover }: Props) {
  const context = formatContextWindow(entry.model?.contextWindow);
  const name =
    entry.model &&
    entry.model.name !== entry.id &&
    entry.model.name !== entry.id.split('/').slice(1).join('/')
      ? entry.model.name
      : null;
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: keyboard selection is handled by the combobox input (aria-activedescendant)
    <div
      id={domId}
      role="option"
      tabIndex={-1}
      aria-selected={selected}
      className={`model-option${active ? ' active' : ''}${entry.kind !== 'model' ? ` ${entry.kind}` : ''}`}
      data-testid="model-option"
      data-model-id={entry.id}
      onMouseDown={(event) => event.preventDefault()}
      onMouseMove={onHover}
      onClick={() => onPick(entry)}
    >
      <span className="model-option-id">{entry.label}</span>
      {entry.kind === 'model' && (
        <span className="model-option-meta">
          {name && <span>{name}</span>}
          {context && <span>{context}</span>}
          <span>{formatPricing(entry.model?.pricing)}</span>
        </span>
      )}
      {entry.kind === 'manual' && <span className="model-option-meta">not in the list: sent as typed</span>}
    </div>
  );
}
