import { useEntitiesStore } from '../../stores/entities-store.ts';
import { useModelsStore } from '../../stores/models-store.ts';
import { modelScope, useUiStore } from '../../stores/ui-store.ts';

/**
 * The composer's model (MODL-04): what the user picked in this chat, else the chat's remembered model,
 * else `null` = the bot's default. Another chat or bot is another scope, so the choice starts afresh.
 */
export function useModelChoice(botId: string, chatId: string | null) {
  const scope = modelScope(botId, chatId);
  const choice = useUiStore((state) => state.modelChoice);
  const chooseModel = useUiStore((state) => state.chooseModel);
  const remembered = useEntitiesStore((state) => (chatId ? (state.chats[chatId]?.model ?? null) : null));
  const botDefault = useEntitiesStore(
    (state) => state.bots.find((bot) => bot.id === botId)?.models.default ?? '',
  );
  const systemDefault = useModelsStore((state) => state.catalogue?.default ?? null);
  return {
    model: choice?.scope === scope ? choice.model : remembered,
    remembered,
    /** What "Bot default" resolves to: the bot's model, else the system default. */
    defaultModel: botDefault || systemDefault,
    choose: (model: string | null) => chooseModel(scope, model),
  };
}
