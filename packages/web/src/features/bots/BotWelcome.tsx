import { useEntitiesStore } from '../../stores/entities-store.ts';
import { runningTurnOf, useTurnsStore } from '../../stores/turns-store.ts';
import { chosenModel, modelScope } from '../../stores/ui-store.ts';
import { sendChatMessage } from '../chat/turn-actions.ts';
import { BotAvatar } from './BotAvatar.tsx';

/**
 * An empty chat: who the user is talking to (avatar, name, description) and the bot's conversation
 * starters, each a button that sends itself with the model picked in the composer.
 */
export function BotWelcome({ botId, chatId }: { botId: string; chatId: string | null }) {
  const bot = useEntitiesStore((state) => state.bots.find((item) => item.id === botId));
  const busy = useTurnsStore((state) => runningTurnOf(state.turns, chatId) !== undefined);
  if (!bot) return null;

  function send(text: string) {
    const model = chosenModel(modelScope(botId, chatId));
    sendChatMessage({ botId, chatId, text, model: model ?? undefined });
  }

  return (
    <div className="bot-welcome" data-testid="bot-welcome">
      <BotAvatar bot={bot} size="large" />
      <h2 className="bot-welcome-name">{bot.name}</h2>
      {bot.description && <p className="bot-welcome-description">{bot.description}</p>}
      {bot.starters.length > 0 ? (
        <ul className="starters" aria-label="Conversation starters">
          {bot.starters.map((starter) => (
            <li key={starter}>
              <button
                type="button"
                className="starter"
                data-testid="starter-button"
                disabled={busy}
                onClick={() => send(starter)}
              >
                {starter}
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">Ask anything to start the conversation.</p>
      )}
    </div>
  );
}
