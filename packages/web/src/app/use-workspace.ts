import { useEffect } from 'react';
import { loadBots, loadBotsUntilFound } from '../features/bots/bot-actions.ts';
import { loadModels } from '../features/model-picker/models-actions.ts';
import { useEntitiesStore } from '../stores/entities-store.ts';
import { useUiStore } from '../stores/ui-store.ts';
import { startRealtime } from './realtime.ts';
import { parseRoute, syncRouteWithSelection } from './route-sync.ts';

/** Everything a signed-in session needs: bots, models, the live socket and URL-synced selection. */
export function useWorkspace(): void {
  useEffect(() => {
    const route = parseRoute(window.location.hash);
    if (route) useUiStore.getState().selectChat(route.botId, route.chatId);
    const stopRoute = syncRouteWithSelection();
    const stopRealtime = startRealtime();
    void loadBots();
    void loadModels();
    return () => {
      stopRealtime();
      stopRoute();
    };
  }, []);

  // Until something is selected (or the selected bot is gone), show the first bot. A bot picked by the
  // URL may sit on a page not loaded yet: load on until it is found or the list ends.
  const bots = useEntitiesStore((state) => state.bots);
  const botsLoaded = useEntitiesStore((state) => state.botsLoaded);
  const moreBots = useEntitiesStore((state) => state.botsNextCursor !== null);
  const selectedBotId = useUiStore((state) => state.selectedBotId);
  useEffect(() => {
    if (!botsLoaded) return;
    if (selectedBotId && bots.some((bot) => bot.id === selectedBotId)) return;
    if (selectedBotId && moreBots) {
      void loadBotsUntilFound(selectedBotId).then((found) => {
        // Not there (or a page failed, with a toast): show the first bot, as for an unknown one.
        if (!found && useUiStore.getState().selectedBotId === selectedBotId) {
          useUiStore.getState().selectBot(useEntitiesStore.getState().bots[0]?.id ?? null);
        }
      });
      return;
    }
    useUiStore.getState().selectBot(bots[0]?.id ?? null);
  }, [bots, botsLoaded, moreBots, selectedBotId]);
}
