import { LIMITS } from '@cachibot/protocol';
import { FormField } from '../../ui/FormField.tsx';
import type { BotFormErrors, BotFormValues } from './bot-form.ts';

interface Props {
  values: BotFormValues;
  errors: BotFormErrors;
  modelIds: string[];
  systemDefault: string | null;
  onChange(field: keyof BotFormValues, value: string): void;
}

export function BotFormFields({ values, errors, modelIds, systemDefault, onChange }: Props) {
  const text = (field: keyof BotFormValues) => ({
    value: values[field],
    onChange: (event: { target: { value: string } }) => onChange(field, event.target.value),
  });
  return (
    <>
      <div className="form-row">
        <FormField label="Name" error={errors.name}>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              name="name"
              maxLength={LIMITS.nameChars}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              required
              {...text('name')}
            />
          )}
        </FormField>
        <FormField label="Icon" hint="An emoji or a letter" error={errors.icon}>
          {({ id, describedBy }) => (
            <input
              id={id}
              name="icon"
              className="narrow"
              maxLength={32}
              aria-describedby={describedBy}
              {...text('icon')}
            />
          )}
        </FormField>
        <FormField label="Color" error={errors.color}>
          {({ id }) => <input id={id} name="color" type="color" className="narrow" {...text('color')} />}
        </FormField>
      </div>
      <FormField label="Description" error={errors.description}>
        {({ id, describedBy }) => (
          <input
            id={id}
            name="description"
            maxLength={LIMITS.descriptionChars}
            aria-describedby={describedBy}
            {...text('description')}
          />
        )}
      </FormField>
      <FormField
        label="System prompt"
        hint="How the bot should behave; sent before every conversation."
        error={errors.systemPrompt}
      >
        {({ id, describedBy }) => (
          <textarea
            id={id}
            name="systemPrompt"
            rows={6}
            maxLength={LIMITS.systemPromptChars}
            aria-describedby={describedBy}
            {...text('systemPrompt')}
          />
        )}
      </FormField>
      <FormField
        label="Conversation starters"
        hint={`Shown as buttons in an empty chat; each sends itself. One per line, at most ${LIMITS.startersPerBot}.`}
        error={errors.starters}
      >
        {({ id, describedBy, invalid }) => (
          <textarea
            id={id}
            name="starters"
            rows={3}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            {...text('starters')}
          />
        )}
      </FormField>
      <datalist id="bot-model-ids">
        {modelIds.map((modelId) => (
          <option key={modelId} value={modelId} />
        ))}
      </datalist>
      <FormField
        label="Default model"
        hint={`provider/model; empty = the system default${systemDefault ? ` (${systemDefault})` : ''}`}
        error={errors.defaultModel}
      >
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            name="defaultModel"
            list="bot-model-ids"
            placeholder="e.g. openai/gpt-4o-mini"
            aria-describedby={describedBy}
            aria-invalid={invalid}
            {...text('defaultModel')}
          />
        )}
      </FormField>
      <FormField
        label="Fallback models"
        hint={`Tried in order when the model fails; one per line, at most ${LIMITS.fallbackModels}.`}
        error={errors.fallbackModels}
      >
        {({ id, describedBy, invalid }) => (
          <textarea
            id={id}
            name="fallbackModels"
            rows={3}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            {...text('fallbackModels')}
          />
        )}
      </FormField>
      <div className="form-row">
        <FormField label="Temperature" hint="0–2, empty = provider default" error={errors.temperature}>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              name="temperature"
              type="number"
              min={0}
              max={2}
              step={0.1}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              {...text('temperature')}
            />
          )}
        </FormField>
        <FormField label="Max output tokens" hint="Empty = model default" error={errors.maxOutputTokens}>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              name="maxOutputTokens"
              type="number"
              min={1}
              step={1}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              {...text('maxOutputTokens')}
            />
          )}
        </FormField>
      </div>
    </>
  );
}
