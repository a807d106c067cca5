import type { ApiKey } from '@cachibot/protocol';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { fakeRest } from '../../test/fake-server.ts';
import { ApiKeysButton } from './ApiKeysButton.tsx';

const listed: ApiKey = {
  id: 'k1',
  name: 'laptop script',
  last4: 'wxyz',
  createdAt: '2026-12-01T10:00:00.000Z',
  lastUsedAt: null,
};

const rows = () => screen.queryAllByTestId('api-key-row').map((row) => row.getAttribute('data-key-id'));

async function openDialog() {
  render(<ApiKeysButton />);
  fireEvent.click(screen.getByTestId('nav-api-keys'));
  await waitFor(() => expect(rows()).toEqual(['k1']));
}

describe('API keys', () => {
  it('lists keys by name, last 4 and last use, never the key', async () => {
    fakeRest({ 'GET /api/keys': { keys: [listed] } });
    await openDialog();
    const row = within(screen.getByTestId('api-key-row'));
    expect(row.getByText('laptop script')).toBeTruthy();
    expect(row.getByText('…wxyz')).toBeTruthy();
    expect(row.getByText(/last used never/)).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByTestId('api-key-name'));
  });

  it('shows a created key once, then only its last 4', async () => {
    const secret = `cbk_${'a'.repeat(39)}abcd`;
    const rest = fakeRest({
      'GET /api/keys': { keys: [listed] },
      'POST /api/keys': () => ({
        status: 201,
        body: {
          id: 'k2',
          name: 'CI',
          last4: 'abcd',
          createdAt: '2026-12-02T10:00:00.000Z',
          lastUsedAt: null,
          key: secret,
        },
      }),
    });
    await openDialog();
    fireEvent.change(screen.getByTestId('api-key-name'), { target: { value: '  CI ' } });
    fireEvent.click(screen.getByTestId('api-key-create'));
    await waitFor(() => expect(screen.getByTestId('api-key-secret').textContent).toBe(secret));
    expect(rest.calls.find((call) => call.method === 'POST')?.body).toEqual({ name: 'CI' });
    expect(rows()).toEqual(['k2', 'k1']);
    expect((screen.getByTestId('api-key-name') as HTMLInputElement).value).toBe('');
    fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByTestId('api-key-created')).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId('api-key-name'));
    expect(document.body.textContent).not.toContain(secret);
  });

  it('revokes a key after asking once more', async () => {
    const rest = fakeRest({
      'GET /api/keys': { keys: [listed] },
      'DELETE /api/keys/k1': () => ({ status: 204 }),
    });
    await openDialog();
    fireEvent.click(screen.getByRole('button', { name: 'Revoke' }));
    fireEvent.click(screen.getByRole('button', { name: 'Revoke key' }));
    await waitFor(() => expect(rows()).toEqual([]));
    expect(rest.calls.some((call) => call.method === 'DELETE' && call.path === '/api/keys/k1')).toBe(true);
    expect(screen.getByText('No keys yet.')).toBeTruthy();
  });

  it('says why a creation failed, and closes with Escape, focus back on the button', async () => {
    fakeRest({
      'GET /api/keys': { keys: [listed] },
      'POST /api/keys': () => ({
        status: 409,
        body: { error: { code: 'conflict', message: 'At most 50 API keys; revoke one first' } },
      }),
    });
    await openDialog();
    fireEvent.change(screen.getByTestId('api-key-name'), { target: { value: 'one more' } });
    fireEvent.click(screen.getByTestId('api-key-create'));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('At most 50 API keys'));
    (document.activeElement as HTMLElement).blur();
    fireEvent.keyDown(document.body, { key: 'Escape' });
    expect(screen.queryByTestId('api-keys-dialog')).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId('nav-api-keys'));
  });
});
