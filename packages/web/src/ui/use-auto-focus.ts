import { useEffect, useRef } from 'react';

/** Focuses the element once when it appears (a field the user just asked for), without `autoFocus`. */
export function useAutoFocus<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useEffect(() => ref.current?.focus(), []);
  return ref;
}
