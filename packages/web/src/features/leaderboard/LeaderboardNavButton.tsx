import { useUiStore } from '../../stores/ui-store.ts';

/** Opens the personal model leaderboard (the page loads lazily). */
export function LeaderboardNavButton() {
  const open = useUiStore((state) => state.mainView.kind === 'leaderboard');
  const showLeaderboard = useUiStore((state) => state.showLeaderboard);
  return (
    <button
      type="button"
      className="button small"
      data-testid="nav-leaderboard"
      aria-current={open ? 'page' : undefined}
      onClick={showLeaderboard}
    >
      Leaderboard
    </button>
  );
}
