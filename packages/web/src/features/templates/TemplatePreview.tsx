import { MODEL_CLASSES, type Template } from '@cachibot/protocol';
import { useEffect, useRef, useState } from 'react';
import { describeError } from '../../api/api-error.ts';
import { BotAvatar } from '../bots/BotAvatar.tsx';
import { installTemplate } from './template-actions.ts';

/** What to run the template on: the team bot's model, or the class a built-in template suggests. */
function suggestedModel(template: Template): string {
  if (template.source === 'team') return template.models?.default || 'The system default model';
  return template.modelClass ? MODEL_CLASSES[template.modelClass] : 'Any chat model';
}

/** The chosen template in full, and the one button that makes it the user's own bot. */
export function TemplatePreview(props: { template: Template; categoryName: string; onClose(): void }) {
  const { template } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  // On a narrow screen the preview replaces the list: take the reader to it.
  useEffect(() => {
    if (window.matchMedia?.('(max-width: 900px)').matches) heading.current?.focus();
  }, []);

  async function install() {
    setBusy(true);
    setError(null);
    try {
      await installTemplate(template.id);
    } catch (failure) {
      setError(describeError(failure));
      setBusy(false);
    }
  }

  return (
    <aside
      className="template-preview"
      aria-labelledby="template-preview-title"
      data-testid="template-preview"
    >
      <button type="button" className="button small preview-back" onClick={props.onClose}>
        ← All templates
      </button>
      <div className="preview-head">
        <BotAvatar bot={template} />
        <div>
          <h2 id="template-preview-title" ref={heading} tabIndex={-1}>
            {template.name}
          </h2>
          <p className="muted small">
            {template.source === 'team' ? `Shared by ${template.publisher} · Your team` : props.categoryName}
          </p>
        </div>
      </div>
      <p>{template.description}</p>
      <dl className="preview-facts">
        <div>
          <dt>Suggested model</dt>
          <dd>{suggestedModel(template)}</dd>
        </div>
        {template.tags.length > 0 && (
          <div>
            <dt>Tags</dt>
            <dd>{template.tags.join(', ')}</dd>
          </div>
        )}
      </dl>
      <h3>Conversation starters</h3>
      {template.starters.length > 0 ? (
        <ul className="preview-starters">
          {template.starters.map((starter) => (
            <li key={starter}>{starter}</li>
          ))}
        </ul>
      ) : (
        <p className="muted small">None: the chat starts empty.</p>
      )}
      <h3>System prompt</h3>
      <pre className="prompt-preview">{template.systemPrompt || '(empty)'}</pre>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button
          type="button"
          className="button primary"
          data-testid="template-install"
          disabled={busy}
          onClick={() => void install()}
        >
          {busy ? 'Creating…' : 'Use this template'}
        </button>
        <span className="muted small">Creates your own copy; you can change everything later.</span>
      </div>
    </aside>
  );
}
