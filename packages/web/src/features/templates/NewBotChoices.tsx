import { type ChangeEvent, useRef, useState } from 'react';
import { describeImportError, importBotFile } from './template-actions.ts';

export type NewBotMode = 'blank' | 'templates';

/**
 * How a new bot starts: blank (the form), from a template (the gallery), or from a file (Import,
 * which opens the file picker at once).
 */
export function NewBotChoices({ mode, onMode }: { mode: NewBotMode; onMode(mode: NewBotMode): void }) {
  const fileInput = useRef<HTMLInputElement>(null);
  const [importing, setImporting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onFile(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    event.target.value = ''; // the same file again is a new choice
    if (!file) return;
    setImporting(true);
    setError(null);
    try {
      await importBotFile(file);
    } catch (failure) {
      setError(`Could not import ${file.name}: ${describeImportError(failure)}`);
      setImporting(false);
    }
  }

  return (
    <div className="new-bot-choices">
      <fieldset className="segmented">
        <legend className="sr-only">Start from</legend>
        <button type="button" aria-pressed={mode === 'blank'} onClick={() => onMode('blank')}>
          Blank
        </button>
        <button
          type="button"
          data-testid="templates-button"
          aria-pressed={mode === 'templates'}
          onClick={() => onMode('templates')}
        >
          Browse templates
        </button>
        <button
          type="button"
          data-testid="import-bot"
          disabled={importing}
          onClick={() => fileInput.current?.click()}
        >
          {importing ? 'Importing…' : 'Import file'}
        </button>
      </fieldset>
      <input
        ref={fileInput}
        type="file"
        accept=".json,application/json"
        hidden
        data-testid="import-bot-file"
        aria-label="Bot file to import"
        onChange={(event) => void onFile(event)}
      />
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
