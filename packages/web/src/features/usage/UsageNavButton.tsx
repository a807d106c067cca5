import { useUiStore } from '../../stores/ui-store.ts';

/** Opens the usage page (nav-usage); the page itself loads lazily. */
export function UsageNavButton() {
  const open = useUiStore((state) => state.mainView.kind === 'usage');
  const showUsage = useUiStore((state) => state.showUsage);
  return (
    <button
      type="button"
      className="button small"
      data-testid="nav-usage"
      aria-current={open ? 'page' : undefined}
      onClick={showUsage}
    >
      Usage
    </button>
  );
}
