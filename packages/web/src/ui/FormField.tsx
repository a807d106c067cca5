import { type ReactNode, useId } from 'react';

interface Props {
  label: string;
  hint?: string;
  error?: string;
  /** Renders the control with the ids that tie it to its label, hint and error. */
  children(ids: { id: string; describedBy: string | undefined; invalid: boolean }): ReactNode;
}

/** A labelled form control with an optional hint and error message, wired for screen readers. */
export function FormField({ label, hint, error, children }: Props) {
  const id = useId();
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');
  return (
    <div className="form-field">
      <label htmlFor={id}>{label}</label>
      {children({ id, describedBy: described || undefined, invalid: Boolean(error) })}
      {hint && (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
