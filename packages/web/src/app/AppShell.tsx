import { lazy, Suspense } from 'react';
import { BotEditor } from '../features/bots/BotEditor.tsx';
import { ChatView } from '../features/chat/ChatView.tsx';
import { useEntitiesStore } from '../stores/entities-store.ts';
import { useUiStore } from '../stores/ui-store.ts';
import { ConnectionStatus } from '../ui/ConnectionStatus.tsx';
import { ErrorBoundary } from '../ui/ErrorBoundary.tsx';
import { OfflineBanner } from '../ui/OfflineBanner.tsx';
import { Sidebar } from './Sidebar.tsx';
import { useWorkspace } from './use-workspace.ts';

// Charts and tables load on first visit only: the first-load bundle stays small.
const UsagePage = lazy(() => import('../features/usage/UsagePage.tsx'));
const LeaderboardPage = lazy(() => import('../features/leaderboard/LeaderboardPage.tsx'));

function MainPanel() {
  const mainView = useUiStore((state) => state.mainView);
  const botId = useUiStore((state) => state.selectedBotId);
  const chatId = useUiStore((state) => state.selectedChatId);
  const botsLoaded = useEntitiesStore((state) => state.botsLoaded);
  if (mainView.kind === 'edit-bot') return <BotEditor key={mainView.botId ?? 'new'} botId={mainView.botId} />;
  if (mainView.kind === 'usage')
    return (
      <Suspense fallback={<p className="muted center">Loading usage…</p>}>
        <UsagePage />
      </Suspense>
    );
  if (mainView.kind === 'leaderboard')
    return (
      <Suspense fallback={<p className="muted center">Loading the leaderboard…</p>}>
        <LeaderboardPage />
      </Suspense>
    );
  if (!botId)
    return <p className="muted center">{botsLoaded ? 'Create a bot to start chatting.' : 'Loading…'}</p>;
  return <ChatView botId={botId} chatId={chatId} />;
}

/** The signed-in layout: app bar, sidebar (collapsible on narrow screens) and the main panel. */
export function AppShell() {
  useWorkspace();
  const sidebarOpen = useUiStore((state) => state.sidebarOpen);
  const setSidebarOpen = useUiStore((state) => state.setSidebarOpen);
  const resetKey = useUiStore(
    (state) => `${state.selectedBotId}:${state.selectedChatId}:${state.mainView.kind}`,
  );
  return (
    <div className={`app-shell${sidebarOpen ? ' sidebar-open' : ''}`}>
      <header className="app-bar">
        <button
          type="button"
          className="icon-button sidebar-toggle"
          data-testid="sidebar-toggle"
          aria-label={sidebarOpen ? 'Hide bots and chats' : 'Show bots and chats'}
          aria-expanded={sidebarOpen}
          aria-controls="sidebar"
          onClick={() => setSidebarOpen(!sidebarOpen)}
        >
          ☰
        </button>
        <span className="app-name">Cachibot</span>
        <ConnectionStatus />
      </header>
      <OfflineBanner />
      <div className="app-body">
        <Sidebar />
        {sidebarOpen && (
          <button
            type="button"
            className="scrim"
            aria-label="Close menu"
            tabIndex={-1}
            onClick={() => setSidebarOpen(false)}
          />
        )}
        <main className="main-panel">
          <ErrorBoundary scope="main panel" resetKey={resetKey}>
            <MainPanel />
          </ErrorBoundary>
        </main>
      </div>
    </div>
  );
}
