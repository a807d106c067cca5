import type { Message } from '@cachibot/protocol';
import { memo, useMemo } from 'react';
import { useCompareStore } from '../../stores/compare-store.ts';
import type { ThreadItem } from '../../stores/message-tree.ts';
import type { TurnState } from '../../stores/turns-store.ts';
import { modelScope, useUiStore } from '../../stores/ui-store.ts';
import { continueWithAnswer } from '../branches/branch-actions.ts';
import { SiblingNav } from '../messages/SiblingNav.tsx';
import { blindLabel, blindOrder, comparedModel } from './blind-order.ts';
import { CompareColumn } from './CompareColumn.tsx';
import { CompareMetrics } from './CompareMetrics.tsx';
import './compare.css';

interface Props {
  item: Extract<ThreadItem, { kind: 'compare' }>;
  botId: string;
  turnByMessage: Map<string, TurnState>;
  onSelectBranch(leafId: string): void;
}

/**
 * The answers of a compare side by side (stacked on a phone), with the metrics row under them
 * (MODL-11). Each column streams, stops and fails on its own. In blind mode the model names stay
 * hidden, and the columns shuffled, until the user votes on one of the answers (MODL-13).
 */
export const CompareView = memo(function CompareView({ item, botId, turnByMessage, onSelectBranch }: Props) {
  const blind = useCompareStore((state) => state.blind);
  const setBlind = useCompareStore((state) => state.setBlind);
  const hidden = blind && !item.answers.some((answer) => answer.vote !== undefined);
  const answers = useMemo(() => (blind ? blindOrder(item.answers) : item.answers), [blind, item.answers]);
  const labels = answers.map((answer, index) => (hidden ? blindLabel(index) : comparedModel(answer)));

  function use(answer: Message) {
    // Picking a winner ends the comparing: the conversation goes on with that answer and its model.
    const scope = modelScope(botId, answer.chatId);
    useCompareStore.getState().clear(scope);
    useUiStore.getState().chooseModel(scope, comparedModel(answer));
    void continueWithAnswer(answer);
  }

  return (
    <section
      className="compare-view"
      data-testid="compare-view"
      aria-label={`${answers.length} answers compared`}
      style={{ '--compare-columns': answers.length } as React.CSSProperties}
    >
      <header className="compare-header">
        <h2 className="compare-title">
          {hidden ? `Blind compare of ${answers.length} models` : `Compared ${answers.length} models`}
        </h2>
        {item.siblings && <SiblingNav slots={item.siblings} noun="answer" onSelect={onSelectBranch} />}
        <label className="compare-blind" title="Hide the model names until you vote">
          <input
            type="checkbox"
            data-testid="compare-blind"
            checked={blind}
            onChange={(event) => setBlind(event.target.checked)}
          />
          Blind
        </label>
        <button
          type="button"
          className="button small"
          data-testid="open-leaderboard"
          onClick={() => useUiStore.getState().showLeaderboard()}
        >
          Leaderboard
        </button>
      </header>
      <div className="compare-columns">
        {answers.map((answer, index) => (
          <CompareColumn
            key={answer.id}
            answer={answer}
            label={labels[index] as string}
            hidden={hidden}
            // Blind: which answer the branch holds now would tell the first-picked model; the user picks.
            current={!hidden && answer.id === item.currentId}
            turn={turnByMessage.get(answer.id)}
            onUse={() => use(answer)}
          />
        ))}
      </div>
      <CompareMetrics answers={answers} labels={labels} />
      {hidden && (
        <p className="muted small compare-hint">Vote for the better answer to see which model wrote it.</p>
      )}
    </section>
  );
});
