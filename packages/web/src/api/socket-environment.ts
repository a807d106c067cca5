/** What the socket client needs from the browser, so tests can drive it without a real window. */
export interface SocketEnvironment {
  isOnline(): boolean;
  /** Subscribes to connectivity and visibility changes; returns the unsubscribe function. */
  listen(handlers: { online(): void; offline(): void; visible(): void }): () => void;
}

export const browserEnvironment: SocketEnvironment = {
  isOnline: () => (typeof navigator === 'undefined' ? true : navigator.onLine !== false),
  listen(handlers) {
    const onVisibility = () => {
      if (document.visibilityState === 'visible') handlers.visible();
    };
    window.addEventListener('online', handlers.online);
    window.addEventListener('offline', handlers.offline);
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      window.removeEventListener('online', handlers.online);
      window.removeEventListener('offline', handlers.offline);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  },
};

/** `ws://host/ws` or `wss://host/ws` on the page's own origin. */
export function sameOriginSocketUrl(location: Pick<Location, 'protocol' | 'host'> = window.location): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}
