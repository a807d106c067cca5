import { useOnline } from './use-online.ts';

/** Stays while the browser is offline (ERRR-03). */
export function OfflineBanner() {
  const online = useOnline();
  if (online) return null;
  return (
    <div className="offline-banner" role="status" data-testid="offline-banner">
      You are offline. Messages you send will go out when the connection is back.
    </div>
  );
}
