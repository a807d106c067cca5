import { LIMITS } from '@cachibot/protocol';
import { type FormEvent, type KeyboardEvent, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useBranch } from '../../stores/branch-state.ts';
import { comparePicks, MIN_COMPARE_MODELS, useCompareStore } from '../../stores/compare-store.ts';
import { useModelsStore } from '../../stores/models-store.ts';
import { runningTurnsOf, useTurnsStore } from '../../stores/turns-store.ts';
import { modelScope } from '../../stores/ui-store.ts';
import { cancelChatTurns, sendChatMessage, sendCompare } from '../chat/turn-actions.ts';
import { updateChat } from '../chats/chat-actions.ts';
import { ComparePicker } from '../compare/ComparePicker.tsx';
import { ModelPicker } from '../model-picker/ModelPicker.tsx';
import { useModelChoice } from './use-model-choice.ts';

/** The models picked to compare, each with a button that takes it out again. */
function CompareChips({ models, onRemove }: { models: string[]; onRemove(model: string): void }) {
  return (
    <ul className="compare-chosen" aria-label="Models to compare">
      {models.map((model) => (
        <li key={model} className="compare-chip">
          {model}
          <button
            type="button"
            className="icon-button"
            aria-label={`Do not compare ${model}`}
            onClick={() => onRemove(model)}
          >
            ✕
          </button>
        </li>
      ))}
    </ul>
  );
}

/**
 * Where the user writes: Enter sends, Shift+Enter breaks the line; Stop while the answer on screen
 * streams. With models picked to compare, the message goes to all of them at once.
 */
export function Composer({ botId, chatId }: { botId: string; chatId: string | null }) {
  const [text, setText] = useState('');
  const catalogue = useModelsStore((state) => state.catalogue);
  const scope = modelScope(botId, chatId);
  const picks = useCompareStore((state) => comparePicks(state, scope));
  const compare = useCompareStore(
    useShallow((state) => ({ toggle: state.toggleModel, set: state.setModels, clear: state.clear })),
  );
  const leafId = useBranch(chatId).leafId;
  const running = useTurnsStore(
    useShallow((state) => runningTurnsOf(state.turns, chatId).map((turn) => turn.assistantMessageId)),
  );
  // The answer on screen is still being written: Stop. Other answers of a compare may run on; a question
  // can follow the one the branch continues with.
  const busy = running.length > 0 && (leafId === undefined || running.includes(leafId));
  const { model, remembered, defaultModel, choose } = useModelChoice(botId, chatId);
  const comparing = picks.length > 0;
  const tooLong = text.length > LIMITS.messageChars;
  const ready = !comparing || picks.length >= MIN_COMPARE_MODELS;
  const canSend = text.trim().length > 0 && !tooLong && !busy && ready;

  async function send() {
    if (!canSend) return;
    const message = text;
    setText('');
    if (comparing) {
      sendCompare({ botId, chatId, text: message, models: picks });
      return;
    }
    // "Bot default" in a chat that remembers a model: forget it first, or the server would use it.
    if (chatId && model === null && remembered !== null) await updateChat(chatId, { model: null });
    sendChatMessage({ botId, chatId, text: message, model });
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    void send();
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void send();
  }

  return (
    <form className="composer" onSubmit={onSubmit} aria-label="Write a message">
      <textarea
        className="composer-input"
        data-testid="message-input"
        aria-label="Message"
        placeholder={
          comparing
            ? 'Message to compare (Enter to send to every picked model)'
            : 'Message (Enter to send, Shift+Enter for a new line)'
        }
        rows={3}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        aria-invalid={tooLong}
      />
      <div className="composer-bar">
        {comparing ? (
          <CompareChips models={picks} onRemove={(id) => compare.toggle(scope, id)} />
        ) : (
          <ModelPicker catalogue={catalogue} value={model} defaultModel={defaultModel} onChange={choose} />
        )}
        <ComparePicker
          catalogue={catalogue}
          picked={picks}
          currentModel={model ?? defaultModel}
          onToggle={(id) => compare.toggle(scope, id)}
          onStart={(models) => compare.set(scope, models)}
          onClear={() => compare.clear(scope)}
        />
        {comparing && !ready && (
          <span className="field-hint" role="status">
            Pick at least {MIN_COMPARE_MODELS} models to compare
          </span>
        )}
        {tooLong && (
          <span className="field-error" role="alert">
            {text.length.toLocaleString('en-US')} / {LIMITS.messageChars.toLocaleString('en-US')} characters
          </span>
        )}
        {busy ? (
          <button
            type="button"
            className="button danger"
            data-testid="cancel-button"
            onClick={() => chatId && cancelChatTurns(chatId)}
          >
            ■ Stop
          </button>
        ) : (
          <button type="submit" className="button primary" data-testid="send-button" disabled={!canSend}>
            {comparing ? `Compare ${picks.length}` : 'Send'}
          </button>
        )}
      </div>
    </form>
  );
}
