import { useState } from 'react';
import { useAutoFocus } from './use-auto-focus.ts';

interface Props {
  label: string;
  confirmLabel: string;
  disabled?: boolean;
  onConfirm(): void;
}

function Confirmation({
  confirmLabel,
  onConfirm,
  onKeep,
}: {
  confirmLabel: string;
  onConfirm(): void;
  onKeep(): void;
}) {
  const confirmRef = useAutoFocus<HTMLButtonElement>();
  return (
    <span className="confirm">
      <button ref={confirmRef} type="button" className="button danger" onClick={onConfirm}>
        {confirmLabel}
      </button>
      <button type="button" className="button" onClick={onKeep}>
        Keep
      </button>
    </span>
  );
}

/** A destructive action that asks once more in place (no modal `confirm()`, keyboard friendly). */
export function ConfirmButton({ label, confirmLabel, disabled, onConfirm }: Props) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" className="button danger" disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <Confirmation
      confirmLabel={confirmLabel}
      onConfirm={() => {
        setAsking(false);
        onConfirm();
      }}
      onKeep={() => setAsking(false)}
    />
  );
}
