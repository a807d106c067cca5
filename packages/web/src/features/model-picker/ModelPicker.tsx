import type { ModelsResponse } from '@cachibot/protocol';
import { useEffect, useRef, useState } from 'react';
import { ModelPickerPanel } from './ModelPickerPanel.tsx';
import type { PickerEntry } from './model-list.ts';

interface Props {
  catalogue: ModelsResponse | null;
  /** The picked model id; `null` = the bot's default. */
  value: string | null;
  /** The model the bot default resolves to, shown as "Bot default (<model>)". */
  defaultModel: string | null;
  onChange(model: string | null): void;
  disabled?: boolean;
}

/** The composer's model choice (MODL-01): a button that opens a searchable, keyboard-driven list. */
export function ModelPicker({ catalogue, value, defaultModel, onChange, disabled }: Props) {
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const defaultLabel = defaultModel || 'no default model';

  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: MouseEvent) => {
      if (!rootRef.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onPointerDown);
    return () => document.removeEventListener('mousedown', onPointerDown);
  }, [open]);

  function close() {
    setOpen(false);
    buttonRef.current?.focus();
  }

  function pick(entry: PickerEntry) {
    onChange(entry.kind === 'default' ? null : entry.id);
    close();
  }

  return (
    <div className="model-picker" ref={rootRef}>
      <button
        ref={buttonRef}
        type="button"
        className="model-select"
        data-testid="model-select"
        data-model-id={value ?? ''}
        aria-haspopup="listbox"
        aria-expanded={open}
        aria-label={`Model: ${value ?? `bot default (${defaultLabel})`}. Change model`}
        disabled={disabled}
        onClick={() => (open ? close() : setOpen(true))}
      >
        <span className="model-select-label">{value ?? `Bot default (${defaultLabel})`}</span>
        <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <ModelPickerPanel
          catalogue={catalogue}
          value={value}
          defaultLabel={defaultLabel}
          onPick={pick}
          onClose={close}
        />
      )}
    </div>
  );
}
