import { useRef, useState } from 'react';
import { ApiKeysDialog } from './ApiKeysDialog.tsx';

/** The account menu's entry to personal API keys; focus comes back here when the dialog closes. */
export function ApiKeysButton() {
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  return (
    <>
      <button
        ref={buttonRef}
        type="button"
        className="button small"
        data-testid="nav-api-keys"
        aria-haspopup="dialog"
        onClick={() => setOpen(true)}
      >
        API keys
      </button>
      {open && (
        <ApiKeysDialog
          onClose={() => {
            setOpen(false);
            buttonRef.current?.focus();
          }}
        />
      )}
    </>
  );
}
