import type { ModelsResponse } from '@cachibot/protocol';
import { type KeyboardEvent, useEffect, useId, useMemo, useRef, useState } from 'react';
import { MAX_COMPARE_MODELS, MIN_COMPARE_MODELS } from '../../stores/compare-store.ts';
import { useAutoFocus } from '../../ui/use-auto-focus.ts';
import { formatPricing } from '../model-picker/model-format.ts';
import { buildPickerList } from '../model-picker/model-list.ts';

interface Props {
  catalogue: ModelsResponse | null;
  picked: string[];
  /** The composer's model, offered as the first pick when nothing is picked yet. */
  currentModel: string | null;
  onToggle(model: string): void;
  onStart(models: string[]): void;
  onClear(): void;
}

function Panel({ catalogue, picked, onToggle, onClear, onClose }: Props & { onClose(): void }) {
  const baseId = useId();
  const [query, setQuery] = useState('');
  const list = useMemo(() => buildPickerList(catalogue, query, ''), [catalogue, query]);
  const searchRef = useAutoFocus<HTMLInputElement>();
  const full = picked.length >= MAX_COMPARE_MODELS;
  const entries = [
    ...list.groups.flatMap((group) => group.entries),
    ...(list.manualEntry ? [list.manualEntry] : []),
  ];
  const extra = picked.filter((id) => !entries.some((entry) => entry.id === id));

  const option = (id: string, label: string, meta?: string) => {
    const checked = picked.includes(id);
    const disabled = full && !checked;
    return (
      <label
        key={id}
        className="compare-option"
        data-testid="compare-model-option"
        data-model-id={id}
        data-disabled={disabled || undefined}
      >
        <input type="checkbox" checked={checked} disabled={disabled} onChange={() => onToggle(id)} />
        <span className="model-option-id">{label}</span>
        {meta && <span className="model-option-meta">{meta}</span>}
      </label>
    );
  };

  return (
    <div
      className="model-picker-panel compare-picker-panel"
      role="dialog"
      aria-labelledby={`${baseId}-title`}
      data-testid="compare-picker"
      onKeyDown={(event: KeyboardEvent) => {
        if (event.key !== 'Escape') return;
        event.preventDefault();
        event.stopPropagation();
        onClose();
      }}
    >
      <p className="regenerate-title" id={`${baseId}-title`}>
        Compare {MIN_COMPARE_MODELS}–{MAX_COMPARE_MODELS} models side by side
      </p>
      <input
        ref={searchRef}
        className="model-search"
        type="search"
        aria-label="Search models to compare"
        placeholder="Search models or type provider/model"
        value={query}
        autoComplete="off"
        spellCheck={false}
        onChange={(event) => setQuery(event.target.value)}
      />
      <div className="model-list">
        {extra.map((id) => option(id, id))}
        {list.groups.map((group) => (
          // biome-ignore lint/a11y/useSemanticElements: a labelled group of checkboxes inside the dialog
          <div key={group.provider} role="group" aria-labelledby={`${baseId}-${group.provider}`}>
            <div className="model-group-header" id={`${baseId}-${group.provider}`}>
              {group.provider}
            </div>
            {group.entries.map((entry) => option(entry.id, entry.id, formatPricing(entry.model?.pricing)))}
          </div>
        ))}
        {list.manualEntry &&
          option(list.manualEntry.id, list.manualEntry.label, 'not in the list: sent as typed')}
        {entries.length === 0 && extra.length === 0 && (
          <p className="picker-note">
            {list.totalModels === 0 ? 'No models — configure a provider.' : `No model matches “${query}”.`}
          </p>
        )}
      </div>
      <div className="compare-picker-footer">
        <span aria-live="polite">
          {picked.length} of {MAX_COMPARE_MODELS} picked
          {picked.length === 1 ? ' — pick at least one more' : ''}
        </span>
        <button
          type="button"
          className="button small"
          disabled={picked.length === 0}
          onClick={() => {
            onClear();
            searchRef.current?.focus();
          }}
        >
          Clear
        </button>
        <button type="button" className="button small primary" onClick={onClose}>
          Done
        </button>
      </div>
    </div>
  );
}

/**
 * The composer's Compare (MODL-11): pick 2–4 models, and the next message goes to all of them at once
 * (one `compare` frame); their answers stream side by side.
 */
export function ComparePicker(props: Props) {
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const active = props.picked.length > 0;
  const latest = useRef(props);
  latest.current = props;

  // Closed with fewer than two models, nothing is compared: the composer goes back to one model.
  const dismiss = () => {
    setOpen(false);
    if (latest.current.picked.length < MIN_COMPARE_MODELS) latest.current.onClear();
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: dismiss reads the latest props through a ref
  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: MouseEvent) => {
      if (!rootRef.current?.contains(event.target as Node)) dismiss();
    };
    document.addEventListener('mousedown', onPointerDown);
    return () => document.removeEventListener('mousedown', onPointerDown);
  }, [open]);

  function close() {
    dismiss();
    buttonRef.current?.focus();
  }

  function toggle() {
    if (open) return close();
    // Comparing usually starts from the model in use: it is the first pick.
    if (!active && props.currentModel) props.onStart([props.currentModel]);
    setOpen(true);
  }

  return (
    <div className="compare-picker" ref={rootRef}>
      <button
        ref={buttonRef}
        type="button"
        className="model-select compare-button"
        data-testid="compare-button"
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-pressed={active}
        title="Send the next message to 2–4 models and compare the answers"
        onClick={toggle}
      >
        ⇆ Compare{active ? ` (${props.picked.length})` : ''}
      </button>
      {open && <Panel {...props} onClose={close} />}
    </div>
  );
}
