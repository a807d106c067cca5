import { useUiStore } from '../stores/ui-store.ts';

/** `#/bots/<botId>` or `#/bots/<botId>/chats/<chatId>`: the selection survives a reload and can be linked. */
export function parseRoute(hash: string): { botId: string; chatId: string | null } | null {
  const match = /^#\/bots\/([^/]+)(?:\/chats\/([^/]+))?\/?$/.exec(hash);
  if (!match?.[1]) return null;
  return { botId: decodeURIComponent(match[1]), chatId: match[2] ? decodeURIComponent(match[2]) : null };
}

export function formatRoute(botId: string | null, chatId: string | null): string {
  if (!botId) return '';
  const bot = `#/bots/${encodeURIComponent(botId)}`;
  return chatId ? `${bot}/chats/${encodeURIComponent(chatId)}` : bot;
}

/** Keeps the URL hash and the selected bot/chat in step, both ways; returns the unsubscribe function. */
export function syncRouteWithSelection(): () => void {
  const apply = () => {
    const route = parseRoute(window.location.hash);
    const ui = useUiStore.getState();
    if (route && (route.botId !== ui.selectedBotId || route.chatId !== ui.selectedChatId)) {
      ui.selectChat(route.botId, route.chatId);
    }
  };
  const unsubscribe = useUiStore.subscribe((state, previous) => {
    if (state.selectedBotId === previous.selectedBotId && state.selectedChatId === previous.selectedChatId)
      return;
    const next = formatRoute(state.selectedBotId, state.selectedChatId);
    if (next && next !== window.location.hash) window.history.pushState(null, '', next);
  });
  window.addEventListener('hashchange', apply);
  window.addEventListener('popstate', apply);
  return () => {
    unsubscribe();
    window.removeEventListener('hashchange', apply);
    window.removeEventListener('popstate', apply);
  };
}
