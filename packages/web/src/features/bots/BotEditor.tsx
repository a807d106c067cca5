import { type FormEvent, useEffect, useMemo, useRef, useState } from 'react';
import { describeError } from '../../api/api-error.ts';
import { useEntitiesStore } from '../../stores/entities-store.ts';
import { useModelsStore } from '../../stores/models-store.ts';
import { useUiStore } from '../../stores/ui-store.ts';
import { ConfirmButton } from '../../ui/ConfirmButton.tsx';
import { BotSharing } from '../templates/BotSharing.tsx';
import { NewBotChoices, type NewBotMode } from '../templates/NewBotChoices.tsx';
import { TemplateGalleryScreen } from '../templates/TemplateGalleryScreen.tsx';
import { BotBudgetFields } from '../usage/BotBudgetFields.tsx';
import { BotFormFields } from './BotFormFields.tsx';
import { deleteBot, saveBot } from './bot-actions.ts';
import { type BotFormErrors, type BotFormValues, botBodyOf, formValuesOf } from './bot-form.ts';

/** Creates a bot (`botId` null) or edits one: every field of CORE-02. */
export function BotEditor({ botId }: { botId: string | null }) {
  const bot = useEntitiesStore((state) => state.bots.find((item) => item.id === botId));
  const catalogue = useModelsStore((state) => state.catalogue);
  const closeEditor = useUiStore((state) => state.closeEditor);
  const [values, setValues] = useState<BotFormValues>(() => formValuesOf(bot));
  const [errors, setErrors] = useState<BotFormErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [mode, setMode] = useState<NewBotMode>('blank');
  const formRef = useRef<HTMLFormElement>(null);
  // After a failed save, take the keyboard to the first field to fix.
  useEffect(() => {
    if (Object.keys(errors).length === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);
  const modelIds = useMemo(
    () => Object.values(catalogue?.groups ?? {}).flatMap((models) => models.map((model) => model.id)),
    [catalogue],
  );

  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = botBodyOf(values, bot);
    setErrors(result.ok ? {} : result.errors);
    if (!result.ok) return;
    await run(() => saveBot(botId, result.body));
  }

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setFormError(null);
    try {
      await action();
    } catch (error) {
      setFormError(describeError(error));
      setBusy(false);
    }
  }

  if (!botId && mode === 'templates') return <TemplateGalleryScreen onMode={setMode} />;
  const title = botId ? `Edit ${bot?.name ?? 'bot'}` : 'New bot';
  return (
    <section className="editor" aria-labelledby="bot-editor-title">
      <form ref={formRef} className="editor-form" data-testid="bot-editor" onSubmit={submit} noValidate>
        <h1 id="bot-editor-title">{title}</h1>
        {!botId && <NewBotChoices mode={mode} onMode={setMode} />}
        <BotFormFields
          values={values}
          errors={errors}
          modelIds={modelIds}
          systemDefault={catalogue?.default ?? null}
          onChange={(field, value) => setValues((current) => ({ ...current, [field]: value }))}
        />
        {botId && <BotBudgetFields botId={botId} modelIds={modelIds} />}
        {formError && (
          <p className="form-error" role="alert">
            {formError}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={busy} data-testid="save-bot-button">
            {botId ? 'Save' : 'Create bot'}
          </button>
          <button type="button" className="button" onClick={closeEditor}>
            Cancel
          </button>
          {botId && (
            <ConfirmButton
              label="Delete bot"
              confirmLabel="Delete bot and its chats"
              disabled={busy}
              onConfirm={() => run(() => deleteBot(botId))}
            />
          )}
        </div>
      </form>
      {bot && <BotSharing bot={bot} />}
    </section>
  );
}
