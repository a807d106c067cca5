/**
 * The model's reasoning (`reasoning_delta` events), folded away above the answer. The server streams it
 * but does not store it, so it shows while this client follows the turn, not after a reload. Shown as
 * plain text: like the answer it is untrusted model output.
 */
export function ReasoningDisclosure({ text, streaming }: { text: string; streaming: boolean }) {
  return (
    <details className="reasoning" data-testid="message-reasoning">
      <summary>{streaming ? 'Reasoning…' : 'Reasoning'}</summary>
      <p className="reasoning-text">{text}</p>
    </details>
  );
}
