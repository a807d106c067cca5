import type { ModelsResponse } from '@cachibot/protocol';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { README_CONFIGURATION_URL } from '../../ui/links.ts';
import { useAutoFocus } from '../../ui/use-auto-focus.ts';
import { ModelOption } from './ModelOption.tsx';
import { buildPickerList, type PickerEntry } from './model-list.ts';
import { useListboxKeys } from './use-listbox-keys.ts';

interface Props {
  catalogue: ModelsResponse | null;
  /** The picked model id, `null` = bot default. */
  value: string | null;
  defaultLabel: string;
  onPick(entry: PickerEntry): void;
  onClose(): void;
}

/** The open picker: a search box (combobox) over a listbox of models grouped by provider. */
export function ModelPickerPanel({ catalogue, value, defaultLabel, onPick, onClose }: Props) {
  const baseId = useId();
  const [query, setQuery] = useState('');
  const list = useMemo(
    () => buildPickerList(catalogue, query, defaultLabel),
    [catalogue, query, defaultLabel],
  );
  const selectedIndex = Math.max(
    0,
    list.flat.findIndex((entry) => (value === null ? entry.kind === 'default' : entry.id === value)),
  );
  const { activeIndex, setActive, onKeyDown } = useListboxKeys({
    items: list.flat,
    initialIndex: selectedIndex,
    resetKey: query,
    onPick,
    onClose,
  });
  const optionId = (index: number) => `${baseId}-option-${index}`;
  const listRef = useRef<HTMLDivElement>(null);
  const searchRef = useAutoFocus<HTMLInputElement>();

  useEffect(() => {
    const active = listRef.current?.querySelector<HTMLElement>(`[id="${optionId(activeIndex)}"]`);
    active?.scrollIntoView?.({ block: 'nearest' });
  });

  const isSelected = (entry: PickerEntry) => (entry.kind === 'default' ? value === null : entry.id === value);
  const renderOption = (entry: PickerEntry) => {
    const index = list.flat.indexOf(entry);
    return (
      <ModelOption
        key={`${entry.kind}:${entry.id}`}
        entry={entry}
        domId={optionId(index)}
        active={index === activeIndex}
        selected={isSelected(entry)}
        onPick={onPick}
        onHover={() => setActive(index)}
      />
    );
  };

  return (
    <div className="model-picker-panel" data-testid="model-picker">
      <input
        ref={searchRef}
        className="model-search"
        type="text"
        role="combobox"
        aria-label="Search models or type provider/model"
        aria-expanded="true"
        aria-controls={`${baseId}-listbox`}
        aria-autocomplete="list"
        aria-activedescendant={activeIndex >= 0 ? optionId(activeIndex) : undefined}
        placeholder="Search models or type provider/model"
        value={query}
        autoComplete="off"
        spellCheck={false}
        onChange={(event) => setQuery(event.target.value)}
        onKeyDown={onKeyDown}
      />
      {list.totalModels === 0 && (
        <p className="picker-note" role="note">
          No models — configure a provider.{' '}
          <a href={README_CONFIGURATION_URL} target="_blank" rel="noopener noreferrer">
            How to configure providers
          </a>
        </p>
      )}
      <div className="model-list" id={`${baseId}-listbox`} role="listbox" aria-label="Models" ref={listRef}>
        {list.defaultEntry && renderOption(list.defaultEntry)}
        {list.groups.map((group) => (
          // biome-ignore lint/a11y/useSemanticElements: a listbox groups its options with role=group (WAI-ARIA), not fieldset
          <div key={group.provider} role="group" aria-labelledby={`${baseId}-group-${group.provider}`}>
            <div className="model-group-header" id={`${baseId}-group-${group.provider}`} role="presentation">
              {group.provider} <span className="count">({group.count})</span>
            </div>
            {group.entries.map(renderOption)}
          </div>
        ))}
        {list.manualEntry && renderOption(list.manualEntry)}
      </div>
      {list.flat.length === 0 && <p className="picker-note">No model matches “{query}”.</p>}
    </div>
  );
}
