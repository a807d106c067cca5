import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  children: ReactNode;
  /** Names the failing area in the recovery view ("app", "messages"). */
  scope: string;
  /** When it changes (another chat), a failed subtree gets another chance. */
  resetKey?: unknown;
}

interface State {
  error: Error | null;
  resetKey: unknown;
}

/** A crashing component shows a way out instead of a blank page (ERRR-01). */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null, resetKey: this.props.resetKey };

  static getDerivedStateFromError(error: Error): Partial<State> {
    return { error };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.resetKey !== state.resetKey ? { error: null, resetKey: props.resetKey } : null;
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`[cachibot] ${this.props.scope} crashed`, error, info.componentStack);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="recovery" role="alert" data-testid="error-recovery">
        <h2>Something went wrong here</h2>
        <p className="muted">
          This part of the page ({this.props.scope}) hit an unexpected error. Your chats are safe on the
          server.
        </p>
        <div className="form-actions">
          <button type="button" className="button primary" onClick={() => this.setState({ error: null })}>
            Try again
          </button>
          <button type="button" className="button" onClick={() => window.location.reload()}>
            Reload the page
          </button>
        </div>
      </div>
    );
  }
}
