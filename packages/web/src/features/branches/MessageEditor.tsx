import { LIMITS } from '@cachibot/protocol';
import { type FormEvent, type KeyboardEvent, useState } from 'react';
import { useAutoFocus } from '../../ui/use-auto-focus.ts';

interface Props {
  initialText: string;
  /** A turn of the chat is running: the edit can be written but not sent yet. */
  busy: boolean;
  onSave(text: string): void;
  onCancel(): void;
}

/**
 * Editing a sent question in place (MODL-09): Save sends the new text as a sibling of the original
 * (which stays reachable with ‹ ›), Enter saves, Shift+Enter breaks the line, Escape cancels.
 */
export function MessageEditor({ initialText, busy, onSave, onCancel }: Props) {
  const [text, setText] = useState(initialText);
  const inputRef = useAutoFocus<HTMLTextAreaElement>();
  const tooLong = text.length > LIMITS.messageChars;
  const canSave = text.trim().length > 0 && text !== initialText && !tooLong && !busy;

  function save(event?: FormEvent) {
    event?.preventDefault();
    if (canSave) onSave(text);
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Escape') {
      event.preventDefault();
      onCancel();
    } else if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      save();
    }
  }

  return (
    <form className="message-editor" onSubmit={save} aria-label="Edit message">
      <textarea
        ref={inputRef}
        data-testid="edit-message-input"
        aria-label="Edited message"
        rows={Math.min(8, Math.max(2, text.split('\n').length))}
        value={text}
        aria-invalid={tooLong}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="message-editor-bar">
        <span className="muted small">
          {busy
            ? 'Wait for the answer to finish to send the edit.'
            : 'The original stays as an earlier version.'}
        </span>
        <button type="button" className="button small" onClick={onCancel}>
          Cancel
        </button>
        <button
          type="submit"
          className="button small primary"
          data-testid="edit-message-save"
          disabled={!canSave}
        >
          Save &amp; send
        </button>
      </div>
    </form>
  );
}
