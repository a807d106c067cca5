import { ApiKeysButton } from '../features/api-keys/ApiKeysButton.tsx';
import { logout } from '../features/auth/auth-actions.ts';
import { BotList } from '../features/bots/BotList.tsx';
import { ChatList } from '../features/chats/ChatList.tsx';
import { LeaderboardNavButton } from '../features/leaderboard/LeaderboardNavButton.tsx';
import { UsageNavButton } from '../features/usage/UsageNavButton.tsx';
import { useSessionStore } from '../stores/session-store.ts';
import { useUiStore } from '../stores/ui-store.ts';

export function Sidebar() {
  const selectedBotId = useUiStore((state) => state.selectedBotId);
  const sidebarOpen = useUiStore((state) => state.sidebarOpen);
  const setSidebarOpen = useUiStore((state) => state.setSidebarOpen);
  const user = useSessionStore((state) => state.user);
  return (
    <nav
      id="sidebar"
      className="sidebar"
      aria-label="Bots and chats"
      onKeyDown={(event) => {
        // On narrow screens the sidebar is an overlay: Escape closes it and returns to the menu button.
        if (event.key !== 'Escape' || !sidebarOpen) return;
        setSidebarOpen(false);
        document.querySelector<HTMLElement>('[data-testid="sidebar-toggle"]')?.focus();
      }}
    >
      <BotList />
      {selectedBotId && <ChatList key={selectedBotId} botId={selectedBotId} />}
      <footer className="sidebar-footer">
        <span className="muted" title="Signed in">
          {user?.username}
        </span>
        <UsageNavButton />
        <LeaderboardNavButton />
        <ApiKeysButton />
        <button type="button" className="button small" onClick={() => void logout()}>
          Sign out
        </button>
      </footer>
    </nav>
  );
}
